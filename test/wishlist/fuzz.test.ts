import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { auth, wishUser } from './helpers.js';

type Op = { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } };

let agora: Agora;
beforeAll(async () => {
  agora = await testApp();
});
afterAll(async () => agora.app.close());

/** Every wishlist route in /openapi.json, with malformed params and bodies: 4xx at worst, never 5xx. */
it('answers malformed input on every wishlist route without a 5xx', async () => {
  const u = await wishUser(agora);
  const doc = (await agora.app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, Record<string, Op>> }>();
  const paths = Object.entries(doc.paths).filter(([p]) => p.startsWith('/wishlist/'));
  expect(paths.length).toBeGreaterThanOrEqual(9);
  const junk: unknown[] = [null, true, -1, 1.5e308, 'x'.repeat(5000), [], {}, '\u0000', 'a\ud800'];
  const params = ['abc', '0', '99999999999999999999', 'x'.repeat(600), '%00'];
  let calls = 0;
  for (const [path, ops] of paths) {
    for (const [method, op] of Object.entries(ops)) {
      const props = Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {});
      const bodies: unknown[] = [undefined, {}, [], 'str', 42];
      for (const key of props) for (const v of junk) bodies.push({ [key]: v });
      for (const p of params) {
        const url = path.replace(/\{[^}]+\}/g, encodeURIComponent(p));
        for (const body of bodies) {
          // Deactivating the fuzzing account would turn every later call into a 401: that one runs anonymously.
          const callers = method === 'delete' && path.endsWith('/users/me/') ? [{}] : [auth(u), {}];
          for (const headers of callers) {
            const res = await agora.app.inject({
              method: method.toUpperCase() as 'GET',
              url,
              headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
              payload: body === undefined ? undefined : JSON.stringify(body),
            });
            calls++;
            expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBeLessThan(500);
          }
        }
        if (!path.includes('{')) break;
      }
    }
  }
  expect(calls).toBeGreaterThan(100);
}, 120_000);

/** Query strings, form bodies and foreign content types on the list and detail routes. */
it('answers malformed queries and body encodings without a 5xx', async () => {
  const u = await wishUser(agora);
  const queries = [
    '?page=',
    '?page=0',
    '?page=-1',
    '?limit=abc',
    '?limit=1e9',
    '?page=99999999999',
    '?page=%ZZ',
    '?a[b]=1',
  ];
  for (const q of queries) {
    const res = await agora.app.inject({ url: `/wishlist/api/wishes/${q}`, headers: auth(u) });
    expect(res.statusCode, q).toBeLessThan(500);
  }
  const encodings: [string, string][] = [
    ['application/x-www-form-urlencoded', 'title=&price=abc&is_reserved=maybe'],
    ['application/x-www-form-urlencoded', 'title=%ZZ&price'],
    ['text/plain', 'hello'],
    ['application/xml', '<wish/>'],
    ['multipart/form-data; boundary=x', '--x\r\ngarbage'],
    ['application/json; charset=latin1', '{"title": "x"}'],
  ];
  for (const url of ['/wishlist/api/wishes/', '/wishlist/api/register/', '/wishlist/api/users/me/']) {
    for (const [type, payload] of encodings) {
      for (const method of ['POST', 'PUT', 'PATCH'] as const) {
        const res = await agora.app.inject({ method, url, headers: { ...auth(u), 'content-type': type }, payload });
        expect(res.statusCode, `${method} ${url} ${type}`).toBeLessThan(500);
      }
    }
  }
});
