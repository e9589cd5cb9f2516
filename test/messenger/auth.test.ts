import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { buildApp } from '../../src/app.js';
import { testApp, testConfig, unique } from '../helpers/app.js';
import { call, P, signup } from './helpers.js';

describe('messenger: conventions, auth and sessions', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp({ SESSION_TTL: '2s' });
  });
  afterAll(async () => agora.app.close());

  it('answers /ping and /ping_db with empty 200 bodies, no session needed', async () => {
    for (const path of ['/ping', '/ping_db']) {
      const res = await call(agora, 'GET', path);
      expect(res.status).toBe(200);
      expect(res.body).toBe('');
    }
  });

  it('registers (201 empty) and refuses a second registration of the name', async () => {
    const name = unique('reg');
    const first = await call(agora, 'POST', '/v1/auth/register', { body: { user_name: name, password: 'x' } });
    expect([first.status, first.body]).toEqual([201, '']);
    const again = await call(agora, 'POST', '/v1/auth/register', { body: { user_name: name, password: 'y' } });
    expect([again.status, again.json()]).toEqual([400, { message: 'user-already-exists' }]);
  });

  it('parses JSON whatever the Content-Type and coerces numbers to strings', async () => {
    const name = 100000 + Math.floor(Math.random() * 1e9);
    for (const ct of ['application/x-www-form-urlencoded', 'text/plain', 'application/json', 'multipart/form-data']) {
      const res = await agora.app.inject({
        method: 'POST',
        url: `${P}/v1/auth/register`,
        headers: { 'content-type': ct },
        payload: JSON.stringify({ user_name: `${name}${ct.length}`, password: 12345, extra: true }),
      });
      expect(res.statusCode, ct).toBe(201);
    }
    const login = await call(agora, 'POST', '/v1/auth/login', {
      body: { user_name: Number(`${name}16`), password: 12345 },
    });
    expect(login.status).toBe(200);
    expect(typeof login.json().session_id).toBe('string');
    const chat = await call(agora, 'POST', '/v1/chats', {
      body: { chat_name: 123 },
      headers: { authorization: `session_id ${login.json().session_id}` },
    });
    expect(chat.status).toBe(201);
    expect(typeof chat.json().chat_id).toBe('string');
  });

  it('answers bad-parameters for non-JSON, missing, empty and oversized fields', async () => {
    const bodies = [
      'not json',
      '',
      '[]',
      '{"user_name":"a"}',
      '{"password":"a"}',
      JSON.stringify({ user_name: 'x'.repeat(256), password: 'p' }),
    ];
    for (const body of bodies) {
      const res = await agora.app.inject({ method: 'POST', url: `${P}/v1/auth/register`, payload: body });
      expect([res.statusCode, res.json()], body).toEqual([400, { message: 'bad-parameters' }]);
    }
    const noBody = await agora.app.inject({ method: 'POST', url: `${P}/v1/auth/login` });
    expect([noBody.statusCode, noBody.json()]).toEqual([400, { message: 'bad-parameters' }]);
  });

  it('tells an unknown user from a bad password at login', async () => {
    const u = await signup(agora);
    const unknown = await call(agora, 'POST', '/v1/auth/login', {
      body: { user_name: unique('nobody'), password: 'x' },
    });
    expect([unknown.status, unknown.json()]).toEqual([400, { message: 'user-not-found' }]);
    const bad = await call(agora, 'POST', '/v1/auth/login', { body: { user_name: u.name, password: 'wrong' } });
    expect([bad.status, bad.json()]).toEqual([400, { message: 'bad-password' }]);
  });

  it('answers 401 auth-failed to a missing, garbled or Bearer header, before any 404', async () => {
    const headers: Record<string, string>[] = [
      {},
      { authorization: 'garbage' },
      { authorization: 'Bearer abc.def.ghi' },
      { authorization: 'session_id' },
      { authorization: 'session_id a b' },
    ];
    for (const h of headers) {
      for (const path of ['/v1/chats', '/no/such/path', '/v1/auth/logout']) {
        const res = await call(agora, 'POST', path, { headers: h, body: {} });
        expect([res.status, res.json()], `${JSON.stringify(h)} ${path}`).toEqual([401, { message: 'auth-failed' }]);
      }
    }
    const get = await call(agora, 'GET', '/whatever');
    expect(get.status).toBe(401);
    const u = await signup(agora);
    const missing = await call(agora, 'GET', '/whatever', { client: u });
    expect([missing.status, missing.json()]).toEqual([404, { message: 'not-found' }]);
  });

  it('answers invalid-session-id for an unknown session and after logout', async () => {
    const unknown = await call(agora, 'POST', '/v1/chats', {
      headers: { authorization: 'session_id nope' },
      body: { chat_name: 'a' },
    });
    expect([unknown.status, unknown.json()]).toEqual([401, { message: 'invalid-session-id' }]);
    const u = await signup(agora);
    const out = await call(agora, 'POST', '/v1/auth/logout', { client: u });
    expect([out.status, out.body]).toEqual([200, '']);
    const after = await call(agora, 'POST', '/v1/chats', { client: u, body: { chat_name: 'a' } });
    expect([after.status, after.json()]).toEqual([401, { message: 'invalid-session-id' }]);
  });

  it('answers session-id-expired once the session lifetime has passed', async () => {
    const u = await signup(agora);
    expect((await call(agora, 'POST', '/v1/chats', { client: u, body: { chat_name: 'a' } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 2600));
    const res = await call(agora, 'POST', '/v1/chats', { client: u, body: { chat_name: 'a' } });
    expect([res.status, res.json()]).toEqual([401, { message: 'session-id-expired' }]);
  });

  it('shares accounts with identity: a messenger user is an identity user', async () => {
    const u = await signup(agora);
    expect(await agora.identity.service.getUserByUsername(u.name)).toMatchObject({ username: u.name });
  });
});

describe('messenger: database down', () => {
  it('answers 503 while the database cannot be reached (ping_db, login), 401 stays 401', async () => {
    const agora = await buildApp(testConfig({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }), {
      migrate: false,
    });
    try {
      const ping = await call(agora, 'GET', '/ping');
      expect(ping.status).toBe(200);
      const db = await call(agora, 'GET', '/ping_db');
      expect(db.status).toBe(503);
      const login = await call(agora, 'POST', '/v1/auth/login', { body: { user_name: 'a', password: 'b' } });
      expect(login.status).toBe(503);
      const chats = await call(agora, 'POST', '/v1/chats', {
        headers: { authorization: 'session_id x' },
        body: { chat_name: 'a' },
      });
      expect(chats.status).toBe(503);
    } finally {
      await agora.app.close();
    }
  });

  it('recovers by itself when the database answers again', async () => {
    const agora = await testApp();
    const realPing = agora.ctx.database.ping;
    try {
      (agora.ctx.database as { ping: () => Promise<void> }).ping = async () => {
        throw new Error('connect ECONNREFUSED');
      };
      expect((await call(agora, 'GET', '/ping_db')).status).toBe(503);
      (agora.ctx.database as { ping: () => Promise<void> }).ping = realPing;
      expect((await call(agora, 'GET', '/ping_db')).status).toBe(200);
    } finally {
      (agora.ctx.database as { ping: () => Promise<void> }).ping = realPing;
      await agora.app.close();
    }
  });
});
