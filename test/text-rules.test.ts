import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../src/app.js';
import { testApp } from './helpers/app.js';
import { bearer, registerAndLogin, type TestUser } from './helpers/identity.js';

const NUL = '\u0000';
const P = '/idp/api/v1';

/** Text rules at the platform's edge: NUL characters and invalid UTF-8 are 4xx in each module's envelope. */
describe('text at the edge: NUL and invalid UTF-8', () => {
  let agora: Agora;
  let u: TestUser;
  let admin: TestUser;
  let apiKey: string;
  beforeAll(async () => {
    agora = await testApp();
    u = await registerAndLogin(agora);
    admin = await registerAndLogin(agora, { admin: true });
    apiKey = (await agora.identity.service.createApiKey(u.id, 'k')).key;
  });
  afterAll(async () => agora.app.close());

  const inject = (opts: InjectOptions) => agora.app.inject(opts);

  it('identity login with a NUL (JSON and form) is a 400 {"detail"}', async () => {
    const json = await inject({
      method: 'POST',
      url: `${P}/users/token`,
      payload: { login: `a${NUL}b`, password: 'x' },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({ detail: expect.stringContaining('NUL') });
    const form = await inject({
      method: 'POST',
      url: `${P}/users/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `login=a%00b&password=x`,
    });
    expect(form.statusCode).toBe(400);
    expect(form.json()).toMatchObject({ detail: expect.stringContaining('NUL') });
  });

  it('register, API-key create and the admin user search refuse a NUL', async () => {
    const reg = await inject({
      method: 'POST',
      url: `${P}/users/`,
      payload: { username: 'nul', email: 'n@example.test', password: `pass${NUL}word1` },
    });
    expect(reg.statusCode).toBe(400);
    const key = await inject({
      method: 'POST',
      url: `${P}/api-keys/`,
      headers: bearer(u.access),
      payload: { name: `k${NUL}` },
    });
    expect(key.statusCode).toBe(400);
    const search = await inject({ url: `${P}/users/?search=a%00b`, headers: bearer(admin.access) });
    expect(search.statusCode).toBe(400);
    expect(search.json()).toHaveProperty('detail');
  });

  it('a tweet with a NUL is a 400 in the microblog envelope', async () => {
    const res = await inject({
      method: 'POST',
      url: '/microblog/api/tweets',
      headers: { 'api-key': apiKey },
      payload: { tweet_data: `hi${NUL}there` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ result: false });
  });

  it('files routes by a short_name holding a NUL answer 4xx, not 500', async () => {
    for (const url of [
      '/files/api/v1/files/a%00b',
      '/files/api/v1/files/a%00b/presigned_url/',
      '/files/api/v1/files/a%00b/redirect_download/',
    ]) {
      const res = await inject({ url, headers: bearer(u.access) });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
    }
    const del = await inject({ method: 'DELETE', url: '/files/api/v1/files/a%00b', headers: bearer(u.access) });
    expect(del.statusCode).toBeLessThan(500);
  });

  it('a JSON body that is not valid UTF-8 is a 400, not silently repaired', async () => {
    const bad = Buffer.concat([
      Buffer.from('{"login":"ab'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","password":"x"}'),
    ]);
    const res = await inject({
      method: 'POST',
      url: `${P}/users/token`,
      headers: { 'content-type': 'application/json' },
      payload: bad,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toContain('UTF-8');
  });

  it('an escaped backslash before u0000 is text, not a NUL', async () => {
    const res = await inject({
      method: 'POST',
      url: `${P}/api-keys/`,
      headers: { ...bearer(u.access), 'content-type': 'application/json' },
      payload: '{"name":"k\\\\u0000"}',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().name).toBe('k\\u0000');
  });

  it('prototype poisoning in a JSON body is refused', async () => {
    const res = await inject({
      method: 'POST',
      url: `${P}/users/token`,
      headers: { 'content-type': 'application/json' },
      payload: '{"login":"a","password":"b","__proto__":{"admin":true}}',
    });
    expect(res.statusCode).toBe(400);
  });
});
