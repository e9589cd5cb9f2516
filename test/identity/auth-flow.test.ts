import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import { bearer, registerAndLogin } from '../helpers/identity.js';

const P = '/idp/api/v1';

describe('identity: register → token → me → refresh → logout', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora.app.close());

  const me = (token: string) => agora.app.inject({ url: `${P}/users/me`, headers: bearer(token) });
  const refresh = (token: string) =>
    agora.app.inject({ method: 'POST', url: `${P}/users/refresh`, payload: { refresh_token: token } });

  it('registers with the Keycloak-style user shape and never echoes the password', async () => {
    const username = unique('reg');
    const res = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/`,
      payload: { username, email: `${username}@Example.TEST`, password: 'long enough password' },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(Object.keys(body).slice(0, 6)).toEqual([
      'id',
      'username',
      'email',
      'emailVerified',
      'createdTimestamp',
      'enabled',
    ]);
    expect(body).toMatchObject({ username, email: `${username}@example.test`, emailVerified: false, enabled: true });
    expect(res.body).not.toContain('long enough password');
  });

  it('accepts a form-encoded login by username or by email', async () => {
    const u = await registerAndLogin(agora);
    for (const login of [u.username, u.email.toUpperCase()]) {
      const res = await agora.app.inject({
        method: 'POST',
        url: `${P}/users/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `login=${encodeURIComponent(login)}&password=${encodeURIComponent(u.password)}`,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 300, refresh_expires_in: 604800 });
    }
  });

  it('a username cannot be another account’s email (nor an email another’s username), and an email signs in its owner', async () => {
    const victim = await registerAndLogin(agora);
    const squat = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/`,
      payload: {
        username: victim.email.toUpperCase(),
        email: `${unique('sq')}@example.test`,
        password: 'a long password 1',
      },
    });
    expect(squat.statusCode).toBe(409);
    expect(squat.json()).toEqual({ detail: 'A user with that username already exists.' });
    const other = await registerAndLogin(agora);
    // A rename (the wishlist's PUT users/me, the panel) goes through the same rule; so does an email change.
    await expect(agora.identity.service.updateProfile(other.id, { username: victim.email })).rejects.toMatchObject({
      code: 'USERNAME_TAKEN',
    });
    await expect(
      agora.identity.service.updateProfile(other.id, { email: victim.username.toUpperCase() }),
    ).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
    // An account from before the rule (written directly) spelled like the victim's email: the email wins.
    await agora.ctx.database.db.execute(
      sql`insert into identity.users (id, username, email, password_hash)
          values (${randomUUID()}, ${victim.email}, null, ${'argon2-not-a-real-hash'})`,
    );
    const login = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/token`,
      payload: { login: victim.email, password: victim.password },
    });
    expect(login.statusCode).toBe(200);
    const token = login.json<{ access_token: string }>().access_token;
    expect((await me(token)).json()).toMatchObject({ user_id: victim.id, username: victim.username });
  });

  it('answers 401 with WWW-Authenticate for a wrong password or unknown user', async () => {
    const u = await registerAndLogin(agora);
    for (const payload of [
      { login: u.username, password: 'wrong password!' },
      { login: unique('nobody'), password: 'whatever pass' },
    ]) {
      const res = await agora.app.inject({ method: 'POST', url: `${P}/users/token`, payload });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.json()).toEqual({ detail: 'Invalid user credentials' });
    }
  });

  it('runs the whole token life cycle with rotation and reuse detection', async () => {
    const u = await registerAndLogin(agora);
    const first = await me(u.access);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      user_id: u.id,
      username: u.username,
      email: u.email,
      email_verified: false,
      roles: [],
    });

    const r1 = await refresh(u.refresh);
    expect(r1.statusCode).toBe(200);
    const second = r1.json<{ access_token: string; refresh_token: string }>();
    expect(second.refresh_token).not.toBe(u.refresh);
    expect((await me(second.access_token)).statusCode).toBe(200);

    // the used refresh token fails, and replaying it ends the whole family
    const replay = await refresh(u.refresh);
    expect(replay.statusCode).toBe(401);
    expect((await refresh(second.refresh_token)).statusCode).toBe(401);
    expect((await me(second.access_token)).statusCode).toBe(401);
    expect((await me(u.access)).statusCode).toBe(401);
  });

  it('logout ends the session: access and refresh tokens fail at once', async () => {
    const u = await registerAndLogin(agora);
    const out = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/logout`,
      headers: bearer(u.access),
      payload: { refresh_token: u.refresh },
    });
    expect(out.statusCode).toBe(204);
    const after = await me(u.access);
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toContain('invalid_token');
    expect((await refresh(u.refresh)).statusCode).toBe(401);
  });

  it("refuses to log out someone else's refresh token", async () => {
    const a = await registerAndLogin(agora);
    const b = await registerAndLogin(agora);
    const res = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/logout`,
      headers: bearer(a.access),
      payload: { refresh_token: b.refresh },
    });
    expect(res.statusCode).toBe(400);
    expect((await me(b.access)).statusCode).toBe(200);
  });

  it('logout/all ends every session of the caller only', async () => {
    const u = await registerAndLogin(agora);
    const other = await registerAndLogin(agora);
    const second = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/token`,
      payload: { login: u.username, password: u.password },
    });
    const access2 = second.json<{ access_token: string }>().access_token;
    const res = await agora.app.inject({ method: 'POST', url: `${P}/users/logout/all`, headers: bearer(u.access) });
    expect(res.statusCode).toBe(204);
    expect((await me(u.access)).statusCode).toBe(401);
    expect((await me(access2)).statusCode).toBe(401);
    expect((await me(other.access)).statusCode).toBe(200);
  });

  it('password change keeps the current session and ends the others', async () => {
    const u = await registerAndLogin(agora);
    const other = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/token`,
      payload: { login: u.username, password: u.password },
    });
    const otherAccess = other.json<{ access_token: string }>().access_token;
    const wrong = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/reset`,
      headers: bearer(u.access),
      payload: { old_password: 'not my password', password: 'a brand new password' },
    });
    expect(wrong.statusCode).toBe(400);
    const ok = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/reset`,
      headers: bearer(u.access),
      payload: { old_password: u.password, password: 'a brand new password' },
    });
    expect(ok.statusCode).toBe(204);
    expect((await me(u.access)).statusCode).toBe(200);
    expect((await me(otherAccess)).statusCode).toBe(401);
    const oldLogin = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/token`,
      payload: { login: u.username, password: u.password },
    });
    expect(oldLogin.statusCode).toBe(401);
    const newLogin = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/token`,
      payload: { login: u.username, password: 'a brand new password' },
    });
    expect(newLogin.statusCode).toBe(200);
  });

  it('deactivation stops every credential on the next request', async () => {
    const u = await registerAndLogin(agora);
    const { key } = await agora.identity.service.createApiKey(u.id, 'k');
    const viaKey = () => agora.app.inject({ url: '/microblog/api/users/me', headers: { 'api-key': key } });
    expect((await viaKey()).statusCode).toBe(200);
    await agora.identity.service.deactivate(u.id);
    expect((await me(u.access)).statusCode).toBe(401);
    expect((await viaKey()).statusCode).toBe(401);
    expect((await refresh(u.refresh)).statusCode).toBe(401);
    const login = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/token`,
      payload: { login: u.username, password: u.password },
    });
    expect(login.statusCode).toBe(401);
  });

  it('rejects garbled, foreign-signed, refresh-as-access and missing credentials with 401', async () => {
    const u = await registerAndLogin(agora);
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-jwt' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${u.access.slice(0, -3)}abc` },
      bearer(u.refresh),
    ];
    for (const headers of cases) {
      const res = await agora.app.inject({ url: `${P}/users/me`, headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json().detail).toEqual(expect.any(String));
    }
  });

  it('lists the caller sessions and introspects tokens', async () => {
    const u = await registerAndLogin(agora);
    const sessions = await agora.app.inject({ url: `${P}/users/sessions`, headers: bearer(u.access) });
    expect(sessions.statusCode).toBe(200);
    expect(sessions.json()).toHaveLength(1);
    expect(sessions.json()[0]).toMatchObject({ ipAddress: '127.0.0.1', clients: { idp: 'idp' } });

    const valid = await agora.app.inject({ method: 'POST', url: `${P}/users/introspect`, headers: bearer(u.access) });
    expect(valid.json()).toMatchObject({ valid: true, sub: u.id, username: u.username });
    const invalid = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/introspect`,
      payload: { token: 'nope' },
    });
    expect(invalid.statusCode).toBe(200);
    expect(invalid.json()).toEqual({ valid: false, active: false });
  });

  it('answers 409 for a taken username or email', async () => {
    const u = await registerAndLogin(agora);
    const dupName = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/`,
      payload: { username: u.username, email: `${unique()}@example.test`, password: 'long enough password' },
    });
    expect(dupName.statusCode).toBe(409);
    expect(dupName.json()).toEqual({ detail: 'A user with that username already exists.' });
    const dupEmail = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/`,
      payload: { username: unique(), email: u.email.toUpperCase(), password: 'long enough password' },
    });
    expect(dupEmail.statusCode).toBe(409);
    expect(dupEmail.json()).toEqual({ detail: 'A user with that email already exists.' });
  });

  it('validates registration input with 400 and field details', async () => {
    const res = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/`,
      payload: { username: 'bad name!', email: 'not-an-email', password: 'short' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toEqual(expect.any(String));
    expect(res.json().errors[0].loc[0]).toBe('body');
  });
});
