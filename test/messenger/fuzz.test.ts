import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { chatWith, P, signup, type Client } from './helpers.js';

const BODIES: unknown[] = [
  undefined,
  '',
  'not json',
  'null',
  '[]',
  '{}',
  '123',
  '"str"',
  JSON.stringify({ user_name: null, password: null, chat_name: [], message: {}, extra: 1 }),
  JSON.stringify({
    user_name: 'x'.repeat(5000),
    password: 'p',
    chat_name: 'x'.repeat(5000),
    message: 'x'.repeat(20_000),
  }),
  JSON.stringify({ user_name: true, password: 1.5, chat_name: -1, message: 1e308 }),
  '{"a":'.repeat(200),
  // NUL characters (PostgreSQL text cannot hold them), in every field the routes read
  JSON.stringify({ user_name: 'a\u0000', password: 'p\u0000', chat_name: '\u0000', message: 'long\u0000enough' }),
  '{"message":"\\u0000\\u0000\\u0000\\u0000","user_name":"\\u0000","chat_name":"\\u0000","password":"x"}',
];
const VALUES = [
  'x',
  '-1',
  '0',
  '1',
  '99999999999999999999999',
  '%00',
  'ä',
  '1.5',
  'x'.repeat(600),
  '',
  '-'.repeat(36), // passes a loose [0-9a-f-]{36} id check
  'abcdefab-'.repeat(4),
];

describe('messenger: route walk with malformed input (no 5xx)', () => {
  let agora: Agora;
  let alice: Client;
  let chatId: string;
  beforeAll(async () => {
    agora = await testApp({ MESSENGER_RATE_LIMIT_ENABLED: 'false' });
    alice = await signup(agora);
    chatId = (await chatWith(agora, alice)).chatId;
  });
  afterAll(async () => agora.app.close());

  it('answers every route with a 4xx in the messenger envelope, never a 5xx', async () => {
    const spec = (await agora.app.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(spec.paths).filter(([path]) => path.startsWith(P));
    expect(routes.length).toBeGreaterThanOrEqual(11);
    const failures: string[] = [];
    for (const [template, ops] of routes) {
      for (const method of Object.keys(ops).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))) {
        for (const value of [...VALUES, chatId]) {
          const url =
            template.replace(/\{[^}]+\}/g, encodeURIComponent(value)) +
            `?limit=${encodeURIComponent(value)}&from=${encodeURIComponent(value)}&user_id=${encodeURIComponent(value)}`;
          for (const body of BODIES) {
            for (const headers of [alice.auth, {}, { authorization: value }]) {
              const res = await agora.app.inject({
                method: method.toUpperCase() as 'GET',
                url,
                headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
                ...(body !== undefined ? { payload: body as string } : {}),
              });
              if (res.statusCode >= 500) failures.push(`${method} ${url.slice(0, 120)} ${res.statusCode} ${res.body}`);
              else if (res.statusCode >= 400 && typeof res.json().message !== 'string')
                failures.push(`${method} ${url.slice(0, 120)} envelope ${res.body}`);
            }
          }
        }
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 240_000);
});
