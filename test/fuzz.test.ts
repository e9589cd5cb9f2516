import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../src/app.js';
import { testApp, unique } from './helpers/app.js';

/**
 * Walks every route of /openapi.json with malformed, missing, wrong-typed and oversized inputs, with and
 * without credentials, and fails on any 5xx. New modules are covered as soon as they are mounted.
 */
interface Operation {
  parameters?: { in: string; name: string; schema?: { type?: string } }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
}

const BIG = 'x'.repeat(100_000);
const PARAM_VALUES = [
  '00000000-0000-4000-8000-000000000000',
  'x',
  '-1',
  '0',
  '1',
  'a'.repeat(600),
  '%00',
  '99999999999999999999',
  '1.5',
  'a\u0000b',
  '\ud800',
  'x'.repeat(10_000),
];
const QUERY_VALUES = [
  '',
  'abc',
  '-1',
  '0',
  '1e309',
  BIG.slice(0, 3000),
  '[]',
  '%FF',
  'a\u0000b',
  '\udfff',
  'q'.repeat(10_000),
];
/** encodeURIComponent, except that a lone surrogate goes out as the bytes of its (invalid) UTF-8 form. */
const encode = (v: string) =>
  Array.from(v, (c) => (c.length === 1 && /[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
/** Text every string field also gets: a NUL, lone surrogates (escaped, as JSON allows), 10,000 characters. */
const TEXT_VALUES = ['a\u0000b', '\u0000', '\ud800', 'x\udc00y', 'y'.repeat(10_000)];
/** Bytes that are not UTF-8, inside an otherwise well-formed JSON string. */
const notUtf8 = (name: string) =>
  Buffer.concat([Buffer.from(`{"${name}":"a`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
const WRONG_VALUES: unknown[] = [
  null,
  123,
  -1,
  1.5,
  'x',
  '',
  BIG,
  [],
  {},
  true,
  [1, 'a'],
  { a: { b: [] } },
  Number.MAX_SAFE_INTEGER * 4,
];

function bodies(schema: Schema | undefined): { payload?: unknown; type?: string }[] {
  const out: { payload?: unknown; type?: string }[] = [
    { payload: notUtf8('name'), type: 'application/json' },
    {},
    { payload: '{"broken": ', type: 'application/json' },
    { payload: 'not json at all', type: 'text/plain' },
    { payload: 'a=1&b=%ZZ&password', type: 'application/x-www-form-urlencoded' },
    { payload: '--x\r\ngarbage', type: 'multipart/form-data; boundary=x' },
    { payload: '[]', type: 'application/json' },
    { payload: 'null', type: 'application/json' },
    { payload: '"string"', type: 'application/json' },
    { payload: '{}', type: 'application/json' },
  ];
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    for (const wrong of WRONG_VALUES)
      out.push({ payload: JSON.stringify({ [name]: wrong }), type: 'application/json' });
    for (const text of TEXT_VALUES) {
      out.push({ payload: JSON.stringify({ [name]: text }), type: 'application/json' });
      out.push({
        payload: new URLSearchParams({ [name]: text }).toString(),
        type: 'application/x-www-form-urlencoded',
      });
    }
    out.push({ payload: notUtf8(name), type: 'application/json' });
    void prop;
  }
  const all = Object.fromEntries(Object.keys(schema?.properties ?? {}).map((k) => [k, BIG]));
  out.push({ payload: JSON.stringify(all), type: 'application/json' });
  return out;
}

describe('route-walking fuzz: no input makes any route answer 5xx', () => {
  let agora: Agora;
  let doc: { paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    agora = await testApp({ RATE_LIMIT_ENABLED: 'false' });
    doc = (await agora.app.inject({ url: '/openapi.json' })).json();
  });
  afterAll(async () => agora.app.close());

  /** A fresh superuser with every kind of credential, so that destructive routes never spoil the next one. */
  async function credentials() {
    const { service } = agora.identity;
    const { user } = await service.ensureSuperuser({ username: unique('fuzz'), password: 'fuzz password 1' });
    const pair = await service.issueTokens(user);
    const { sessionId } = await service.openSession(user);
    const { key } = await service.createApiKey(user.id, 'fuzz');
    return [
      { authorization: `Bearer ${pair.accessToken}`, 'api-key': key, cookie: `access_token=${pair.accessToken}` },
      { authorization: `session_id ${sessionId}`, 'api-key': key },
      { authorization: 'Bearer garbage', 'api-key': 'garbage', cookie: 'access_token=garbage' },
      {},
    ];
  }

  it('walks every documented route', async () => {
    const failures: string[] = [];
    let requests = 0;
    const paths = Object.entries(doc.paths);
    expect(paths.length).toBeGreaterThan(20);
    for (const [path, ops] of paths) {
      for (const [method, op] of Object.entries(ops)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const creds = await credentials();
        const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        const queries = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        const schema = Object.values(op.requestBody?.content ?? {})[0]?.schema;
        const urls = PARAM_VALUES.slice(0, params.length ? PARAM_VALUES.length : 1).map((v) =>
          params.reduce((u, name) => u.replace(`{${name}}`, encode(v)), path),
        );
        const send = async (opts: InjectOptions) => {
          requests++;
          const res = await agora.app.inject(opts);
          if (res.statusCode >= 500) {
            failures.push(
              `${opts.method} ${String(opts.url).slice(0, 120)} [${String(opts.payload ?? '').slice(0, 60)}] → ${res.statusCode} ${res.body.slice(0, 200)}`,
            );
          }
        };
        for (const headers of creds) {
          for (const url of urls) await send({ method: method.toUpperCase() as 'GET', url, headers });
          const url = urls[0]!;
          for (const q of queries) {
            for (const v of QUERY_VALUES)
              await send({
                method: method.toUpperCase() as 'GET',
                url: `${url}?${q}=${encode(v)}`,
                headers,
              });
          }
          if (method !== 'get' && method !== 'delete') {
            for (const b of bodies(schema)) {
              await send({
                method: method.toUpperCase() as 'POST',
                url,
                headers: { ...headers, ...(b.type ? { 'content-type': b.type } : {}) },
                payload: b.payload as string,
              });
            }
          }
        }
      }
    }
    expect(requests).toBeGreaterThan(500);
    if (failures.length) console.log(failures.slice(0, 30).join('\n'));
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  }, 600_000);
});
