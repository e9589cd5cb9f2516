import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { systemClock } from '../../src/platform/clock.js';
import { testApp, unique } from '../helpers/app.js';
import { W, auth, wishUser } from './helpers.js';

const REALM = 'Bearer realm="api"';

describe('wishlist: register, SimpleJWT login/refresh and token failures', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora.app.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    agora.app.inject({ method: 'POST', url: `${W}${url}`, payload: payload as object, headers });

  it('registers with 201 and the DRF shape, never echoing the password', async () => {
    const username = unique('reg');
    const res = await post('/register/', {
      username,
      password: 'pw-123456',
      email: 'Reg@Example.com',
      first_name: 'Ann',
    });
    expect(res.statusCode).toBe(201);
    expect(res.body).toBe(JSON.stringify({ username, email: 'Reg@example.com', first_name: 'Ann', last_name: '' }));
    const bare = await post('/register/', { username: unique('reg'), password: 'x' });
    expect(bare.json()).toMatchObject({ email: '', first_name: '', last_name: '' });
  });

  it('validates register fields with DRF messages', async () => {
    expect((await post('/register/', {})).json()).toEqual({
      username: ['This field is required.'],
      password: ['This field is required.'],
    });
    const bad = await post('/register/', { username: 'bad name!', password: '', email: 'not-an-email' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      username: ['Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'],
      password: ['This field may not be blank.'],
      email: ['Enter a valid email address.'],
    });
    const long = await post('/register/', { username: 'a'.repeat(151), password: 'p' });
    expect(long.json()).toEqual({ username: ['Ensure this field has no more than 150 characters.'] });
    const ok150 = await post('/register/', { username: `${unique('x')}@.+-_`.padEnd(150, 'z'), password: 'p' });
    expect(ok150.statusCode).toBe(201);
    expect((await post('/register/', [1, 2])).json()).toEqual({
      non_field_errors: ['Invalid data. Expected a dictionary, but got list.'],
    });
  });

  it('answers a taken username with DRF’s 400', async () => {
    const u = await wishUser(agora);
    const res = await post('/register/', { username: u.username, password: 'another-1' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ username: ['A user with that username already exists.'] });
  });

  it('logs in with {refresh, access}; wrong or missing credentials get SimpleJWT’s answers', async () => {
    const u = await wishUser(agora);
    const ok = await post('/login/', { username: u.username, password: u.password });
    expect(ok.statusCode).toBe(200);
    expect(Object.keys(ok.json())).toEqual(['refresh', 'access']);
    const wrong = await post('/login/', { username: u.username, password: 'nope' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ detail: 'No active account found with the given credentials' });
    expect(wrong.headers['www-authenticate']).toBe(REALM);
    expect((await post('/login/', {})).json()).toEqual({
      username: ['This field is required.'],
      password: ['This field is required.'],
    });
    expect((await post('/login/', { username: '', password: 'x' })).json()).toEqual({
      username: ['This field may not be blank.'],
    });
  });

  it('refreshes without rotation and rejects bad refresh tokens', async () => {
    const u = await wishUser(agora);
    for (let i = 0; i < 2; i++) {
      const res = await post('/token/refresh/', { refresh: u.refresh });
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.json())).toEqual(['access']);
      const me = await agora.app.inject({ url: `${W}/users/me/`, headers: auth({ access: res.json().access }) });
      expect(me.statusCode).toBe(200);
    }
    for (const refresh of ['garbage', u.access]) {
      const bad = await post('/token/refresh/', { refresh });
      expect(bad.statusCode).toBe(401);
      expect(bad.json()).toEqual({ detail: 'Token is invalid or expired', code: 'token_not_valid' });
      expect(bad.headers['www-authenticate']).toBe(REALM);
    }
    expect((await post('/token/refresh/', {})).json()).toEqual({ refresh: ['This field is required.'] });
  });

  it('answers missing, garbled, refresh-as-access and expired tokens with SimpleJWT bodies', async () => {
    const u = await wishUser(agora);
    const none = await agora.app.inject({ url: `${W}/wishes/` });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    expect(none.headers['www-authenticate']).toBe(REALM);
    const basic = await agora.app.inject({ url: `${W}/wishes/`, headers: { authorization: 'Basic abc' } });
    expect(basic.json()).toEqual({ detail: 'Authentication credentials were not provided.' });

    const garbled = await agora.app.inject({ url: `${W}/wishes/`, headers: auth({ access: 'abc.def.ghi' }) });
    expect(garbled.statusCode).toBe(401);
    expect(garbled.headers['www-authenticate']).toBe(REALM);
    expect(garbled.json()).toEqual({
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
    });
    const asAccess = await agora.app.inject({ url: `${W}/wishes/`, headers: auth({ access: u.refresh }) });
    expect(asAccess.statusCode).toBe(401);
    expect(asAccess.json().code).toBe('token_not_valid');
    expect(asAccess.json().messages[0].message).toBe('Token has wrong type');

    const threeParts = await agora.app.inject({ url: `${W}/wishes/`, headers: { authorization: 'Bearer a b' } });
    expect(threeParts.json()).toEqual({
      detail: 'Authorization header must contain two space-delimited values',
      code: 'bad_authorization_header',
    });

    // Tokens issued two days ago (1-day access lifetime) have expired.
    const past = { ...systemClock, now: () => new Date(Date.now() - 2 * 86400_000) };
    const old = await testApp({}, { clock: past });
    try {
      const login = await old.app.inject({
        method: 'POST',
        url: `${W}/login/`,
        payload: { username: u.username, password: u.password },
      });
      const expired = await agora.app.inject({ url: `${W}/wishes/`, headers: auth({ access: login.json().access }) });
      expect(expired.statusCode).toBe(401);
      expect(expired.json().code).toBe('token_not_valid');
      expect(expired.json().detail).toBe('Given token not valid for any token type');
      // Refresh tokens live 7 days: one issued ten days ago is refused with SimpleJWT's body.
      const ancient = await testApp(
        {},
        { clock: { ...systemClock, now: () => new Date(Date.now() - 10 * 86400_000) } },
      );
      try {
        const stale = await ancient.app.inject({
          method: 'POST',
          url: `${W}/login/`,
          payload: { username: u.username, password: u.password },
        });
        const refused = await post('/token/refresh/', { refresh: stale.json().refresh });
        expect(refused.statusCode).toBe(401);
        expect(refused.json()).toEqual({ detail: 'Token is invalid or expired', code: 'token_not_valid' });
        // The same login from the fresh app still refreshes (it is the age that is refused).
        expect((await post('/token/refresh/', { refresh: login.json().refresh })).statusCode).toBe(200);
      } finally {
        await ancient.app.close();
      }
    } finally {
      await old.app.close();
    }
  });

  it('issues tokens that work in every module (one account everywhere)', async () => {
    const u = await wishUser(agora);
    const idp = await agora.app.inject({ url: '/idp/api/v1/users/me', headers: auth(u) });
    expect(idp.statusCode).toBe(200);
    expect(idp.json().username).toBe(u.username);
  });
});

describe('wishlist: /api/users/me/', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora.app.close());

  const me = (u: { access: string }, method = 'GET', payload?: object) =>
    agora.app.inject({ method: method as 'GET', url: `${W}/users/me/`, headers: auth(u), payload });

  it('reads the account in the DRF key order', async () => {
    const u = await wishUser(agora, { email: 'me@example.com', first_name: 'M' });
    const res = await me(u);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      JSON.stringify({
        id: u.id,
        username: u.username,
        email: 'me@example.com',
        first_name: 'M',
        last_name: '',
        is_active: true,
      }),
    );
  });

  it('PUT requires username, keeps omitted fields, and refuses a taken name', async () => {
    const u = await wishUser(agora, { email: 'keep@example.com', last_name: 'Keep' });
    const other = await wishUser(agora);
    expect((await me(u, 'PUT', { first_name: 'x' })).json()).toEqual({ username: ['This field is required.'] });
    const taken = await me(u, 'PUT', { username: other.username });
    expect(taken.statusCode).toBe(400);
    expect(taken.json()).toEqual({ username: ['A user with that username already exists.'] });
    const name = unique('renamed');
    const ok = await me(u, 'PUT', { username: name, first_name: 'New' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      username: name,
      first_name: 'New',
      last_name: 'Keep',
      email: 'keep@example.com',
    });
    expect((await me(u, 'PUT', { username: name })).statusCode).toBe(200);
  });

  it('PATCH changes only the names', async () => {
    const u = await wishUser(agora);
    const res = await me(u, 'PATCH', {
      first_name: 'Only',
      username: 'ignored',
      email: 'ignored@example.com',
      is_active: false,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: u.username, first_name: 'Only', email: '', is_active: true });
    expect((await me(u, 'PATCH', { last_name: 'x'.repeat(151) })).json()).toEqual({
      last_name: ['Ensure this field has no more than 150 characters.'],
    });
  });

  it('DELETE deactivates: 204, tokens stop at once everywhere, login and refresh refuse', async () => {
    const u = await wishUser(agora);
    const del = await me(u, 'DELETE');
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    const after = await me(u);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ detail: 'User is inactive', code: 'user_inactive' });
    expect(after.headers['www-authenticate']).toBe(REALM);
    expect((await agora.app.inject({ url: '/idp/api/v1/users/me', headers: auth(u) })).statusCode).toBe(401);
    const login = await agora.app.inject({
      method: 'POST',
      url: `${W}/login/`,
      payload: { username: u.username, password: u.password },
    });
    expect(login.statusCode).toBe(401);
    expect(login.json()).toEqual({ detail: 'No active account found with the given credentials' });
    const refresh = await agora.app.inject({
      method: 'POST',
      url: `${W}/token/refresh/`,
      payload: { refresh: u.refresh },
    });
    expect(refresh.statusCode).toBe(401);
    expect(refresh.json()).toEqual({ detail: 'No active account found for the given token.' });
  });

  it('answers wrong methods with 405 (after authentication, as DRF)', async () => {
    const u = await wishUser(agora);
    const res = await me(u, 'POST', {});
    expect(res.statusCode).toBe(405);
    expect(res.body).toBe('{"detail":"Method \\"POST\\" not allowed."}');
    expect((await agora.app.inject({ method: 'POST', url: `${W}/users/me/` })).statusCode).toBe(401);
    const login = await agora.app.inject({ method: 'GET', url: `${W}/login/` });
    expect(login.statusCode).toBe(405);
    expect(login.json()).toEqual({ detail: 'Method "GET" not allowed.' });
  });
});
