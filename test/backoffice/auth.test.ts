import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import type { Clock } from '../../src/platform/clock.js';
import { testApp, unique } from '../helpers/app.js';
import {
  API,
  BO,
  PASSWORD,
  SAME_ORIGIN,
  cookieValue,
  create,
  login,
  setCookie,
  superuser,
  userBody,
  world,
  type World,
} from './helpers.js';

const REALM = 'Bearer realm="api"';
const post = (agora: Agora, url: string, headers: Record<string, string> = {}, payload?: unknown) =>
  agora.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('backoffice: cookie login, refresh, logout and CSRF', () => {
  let agora: Agora;
  let w: World;
  beforeAll(async () => {
    agora = await testApp();
    w = await world(agora);
  }, 120_000);
  afterAll(async () => agora.app.close());

  it('sets HttpOnly cookies with the contract’s paths, lifetimes, Secure and SameSite=Strict', async () => {
    const before = Date.now();
    const res = await post(agora, `${BO}/auth/token/`, {}, { email: w.owner.email, password: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ detail: 'Tokens set in cookies' });
    const access = setCookie(res, 'access_token')!;
    const refresh = setCookie(res, 'refresh_token')!;
    expect(access).toMatch(
      /^access_token=[\w-]+\.[\w-]+\.[\w-]+; expires=[^;]+ GMT; HttpOnly; Max-Age=300; Path=\/backoffice\/api; SameSite=Strict; Secure$/,
    );
    expect(refresh).toMatch(
      /^refresh_token=[\w-]+\.[\w-]+\.[\w-]+; expires=[^;]+ GMT; HttpOnly; Max-Age=86400; Path=\/backoffice\/auth; SameSite=Strict; Secure$/,
    );
    const expires = Date.parse(/expires=([^;]+)/.exec(access)![1]!);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 299_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 301_000);
    expect(res.json()).not.toHaveProperty('access');
  });

  it('follows the configuration: SameSite, insecure mode and lifetimes', async () => {
    const other = await testApp({
      BACKOFFICE_COOKIE_SAMESITE: 'Lax',
      BACKOFFICE_INSECURE_COOKIES: 'true',
      BACKOFFICE_ACCESS_TOKEN_TTL: '90s',
      BACKOFFICE_REFRESH_TOKEN_TTL: '2h',
    });
    try {
      const res = await post(other, `${BO}/auth/token/`, {}, { email: w.owner.email, password: PASSWORD });
      expect(setCookie(res, 'access_token')).toMatch(/; HttpOnly; Max-Age=90; Path=\/backoffice\/api; SameSite=Lax$/);
      expect(setCookie(res, 'refresh_token')).toMatch(
        /; HttpOnly; Max-Age=7200; Path=\/backoffice\/auth; SameSite=Lax$/,
      );
    } finally {
      await other.app.close();
    }
  });

  it('answers bad credentials with SimpleJWT’s 401, and a bad body with field errors', async () => {
    const wrong = await post(agora, `${BO}/auth/token/`, {}, { email: w.owner.email, password: 'nope' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ detail: 'No active account found with the given credentials' });
    expect(setCookie(wrong, 'access_token')).toBeUndefined();
    const unknown = await post(agora, `${BO}/auth/token/`, {}, { email: 'nobody@school.test', password: PASSWORD });
    expect(unknown.statusCode).toBe(401);
    // Login is by email: the identity username of the same account does not log in here.
    const su = await agora.identity.service.register({
      username: unique('byname'),
      email: `${unique('e')}@school.test`,
      password: PASSWORD,
    });
    expect((await post(agora, `${BO}/auth/token/`, {}, { email: su.username, password: PASSWORD })).statusCode).toBe(
      400,
    );
    expect((await post(agora, `${BO}/auth/token/`, {}, {})).json()).toEqual({
      email: ['This field is required.'],
      password: ['This field is required.'],
    });
    // The email is unique and lower-cased: any case logs in.
    expect(
      (await post(agora, `${BO}/auth/token/`, {}, { email: w.owner.email.toUpperCase(), password: PASSWORD }))
        .statusCode,
    ).toBe(200);
  });

  it('throttles failed logins per account (429 with Retry-After)', async () => {
    const strict = await testApp({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '2' });
    try {
      const bad = () => post(strict, `${BO}/auth/token/`, {}, { email: w.teacher.email, password: 'wrong' });
      expect((await bad()).statusCode).toBe(401);
      expect((await bad()).statusCode).toBe(401);
      const third = await bad();
      expect(third.statusCode).toBe(429);
      expect(third.headers['retry-after']).toBeDefined();
      expect(third.json().detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds\.$/);
    } finally {
      await strict.app.close();
    }
  });

  it('authenticates by the access_token cookie or the Authorization header', async () => {
    const url = `${API}/partners/`;
    expect((await agora.app.inject({ url, headers: { cookie: `access_token=${w.owner.access}` } })).statusCode).toBe(
      200,
    );
    expect((await agora.app.inject({ url, headers: { authorization: `Bearer ${w.owner.access}` } })).statusCode).toBe(
      200,
    );
    const none = await agora.app.inject({ url });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe(REALM);
    expect(none.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    const bad = await agora.app.inject({ url, headers: { cookie: 'access_token=garbage' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
    });
    // A refresh token is not an access token.
    const refresh = await agora.app.inject({ url, headers: { cookie: `access_token=${w.owner.refresh}` } });
    expect(refresh.json().messages[0].message).toBe('Token has wrong type');
  });

  it('an expired access token is a 401', async () => {
    const short = await testApp({ BACKOFFICE_ACCESS_TOKEN_TTL: '1s' });
    try {
      const s = await login(short, w.teacher.email);
      await new Promise((r) => setTimeout(r, 2100));
      const res = await short.app.inject({ url: `${API}/courses/`, headers: { cookie: `access_token=${s.access}` } });
      expect(res.statusCode).toBe(401);
      expect(res.json().messages[0].message).toBe('Token is invalid or expired');
    } finally {
      await short.app.close();
    }
  });

  describe('refresh', () => {
    const refreshWith = (token?: string, origin = SAME_ORIGIN) =>
      post(agora, `${BO}/auth/token/refresh/`, { origin, ...(token ? { cookie: `refresh_token=${token}` } : {}) });

    it('reads only the cookie: none is "No refresh token provided", garbage is "invalid or expired"', async () => {
      const none = await post(
        agora,
        `${BO}/auth/token/refresh/`,
        { origin: SAME_ORIGIN },
        { refresh: w.owner.refresh },
      );
      expect(none.statusCode).toBe(401);
      expect(none.json()).toEqual({ detail: 'No refresh token provided', code: 'token_not_valid' });
      const garbage = await refreshWith('not-a-token');
      expect(garbage.statusCode).toBe(401);
      expect(garbage.json()).toEqual({ detail: 'Token is invalid or expired', code: 'token_not_valid' });
      // A refresh token of another client (identity's own login) is not one of ours.
      const idp = await agora.identity.service.issueTokens((await agora.identity.service.getUser(w.owner.userId))!);
      expect((await refreshWith(idp.refreshToken)).json().detail).toBe('Token is invalid or expired');
    });

    it('rotates both cookies; replaying the old refresh token is blacklisted and ends the session', async () => {
      const s = await login(agora, w.teacher.email);
      const res = await refreshWith(s.refresh);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ detail: 'Tokens set in cookies' });
      const access = cookieValue(setCookie(res, 'access_token'))!;
      const refresh = cookieValue(setCookie(res, 'refresh_token'))!;
      expect(setCookie(res, 'access_token')).toMatch(/Path=\/backoffice\/api; SameSite=Strict; Secure$/);
      expect(setCookie(res, 'refresh_token')).toMatch(/Path=\/backoffice\/auth; SameSite=Strict; Secure$/);
      expect(refresh).not.toBe(s.refresh);
      expect(
        (await agora.app.inject({ url: `${API}/courses/`, headers: { cookie: `access_token=${access}` } })).statusCode,
      ).toBe(200);
      const replay = await refreshWith(s.refresh);
      expect(replay.statusCode).toBe(401);
      expect(replay.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
      // The whole family ended: the rotated refresh token and the session's access tokens stop working.
      expect((await refreshWith(refresh)).json().detail).toBe('Token is blacklisted');
      const after = await agora.app.inject({ url: `${API}/courses/`, headers: { cookie: `access_token=${access}` } });
      expect(after.statusCode).toBe(401);
      expect(after.json().messages[0].message).toBe('Token is blacklisted');
    });
  });

  it('logout clears both cookies and blacklists the refresh token; the access token stops at once', async () => {
    const s = await login(agora, w.owner.email);
    const res = await post(agora, `${BO}/auth/logout/`, { cookie: `refresh_token=${s.refresh}`, origin: SAME_ORIGIN });
    expect(res.statusCode).toBe(200);
    expect(setCookie(res, 'access_token')).toBe(
      'access_token=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/backoffice/api; SameSite=Strict; Secure',
    );
    expect(setCookie(res, 'refresh_token')).toBe(
      'refresh_token=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/backoffice/auth; SameSite=Strict; Secure',
    );
    const again = await post(agora, `${BO}/auth/token/refresh/`, {
      cookie: `refresh_token=${s.refresh}`,
      origin: SAME_ORIGIN,
    });
    expect(again.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    const api = await agora.app.inject({ url: `${API}/partners/`, headers: { cookie: `access_token=${s.access}` } });
    expect(api.statusCode).toBe(401);
    // Logging out twice, or without a cookie, still clears the cookies.
    expect((await post(agora, `${BO}/auth/logout/`, { origin: SAME_ORIGIN })).statusCode).toBe(200);
  });

  describe('CSRF: cookie-authenticated unsafe requests must come from a trusted origin', () => {
    const body = () => userBody(`csrf-${unique()}@school.test`);
    const asSuperuser = (headers: Record<string, string>) =>
      agora.app.inject({
        method: 'POST',
        url: `${API}/users/`,
        headers: { cookie: `access_token=${w.su.access}`, ...headers },
        payload: body(),
      });

    it('rejects a cross-site request, and one that names no origin', async () => {
      const cross = await asSuperuser({ origin: 'https://evil.example' });
      expect(cross.statusCode).toBe(403);
      expect(cross.json()).toEqual({
        detail: 'CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.',
      });
      const bare = await asSuperuser({});
      expect(bare.statusCode).toBe(403);
      expect(bare.json().detail).toBe('CSRF Failed: Origin checking failed - no Origin or Referer header.');
      const viaReferer = await asSuperuser({ referer: 'https://evil.example/page' });
      expect(viaReferer.statusCode).toBe(403);
      const refresh = await post(agora, `${BO}/auth/token/refresh/`, {
        cookie: `refresh_token=${w.su.refresh}`,
        origin: 'https://evil.example',
      });
      expect(refresh.statusCode).toBe(403);
    });

    it('accepts the API’s own origin (Origin or Referer), and safe methods from anywhere', async () => {
      expect((await asSuperuser({ origin: SAME_ORIGIN })).statusCode).toBe(201);
      expect((await asSuperuser({ referer: `${SAME_ORIGIN}/admin/users` })).statusCode).toBe(201);
      const read = await agora.app.inject({
        url: `${API}/users/`,
        headers: { cookie: `access_token=${w.su.access}`, origin: 'https://evil.example' },
      });
      expect(read.statusCode).toBe(200);
    });

    it('does not apply to the Authorization header, which a browser never adds by itself', async () => {
      const res = await agora.app.inject({
        method: 'POST',
        url: `${API}/users/`,
        headers: { authorization: `Bearer ${w.su.access}` },
        payload: body(),
      });
      expect(res.statusCode).toBe(201);
    });

    it('accepts configured trusted origins', async () => {
      const trusting = await testApp({ BACKOFFICE_TRUSTED_ORIGINS: 'https://admin.school.test' });
      try {
        const res = await trusting.app.inject({
          method: 'POST',
          url: `${API}/users/`,
          headers: { cookie: `access_token=${w.su.access}`, origin: 'https://admin.school.test' },
          payload: body(),
        });
        expect(res.statusCode).toBe(201);
      } finally {
        await trusting.app.close();
      }
    });
  });

  it('an admin’s blacklist of a user ends their back-office sessions only', async () => {
    const email = `blacklisted-${unique()}@school.test`;
    await create(w.su, 'users', userBody(email, { group: 'teacher' }));
    const s = await login(agora, email);
    const idp = await agora.identity.service.issueTokens((await agora.identity.service.getUser(s.userId))!);
    const mod = agora.modules.find((m) => m.name === 'backoffice') as unknown as {
      api: { blacklistUser(id: string): Promise<number> };
    };
    expect(await mod.api.blacklistUser(s.userId)).toBeGreaterThanOrEqual(1);
    expect(
      (await agora.app.inject({ url: `${API}/courses/`, headers: { cookie: `access_token=${s.access}` } })).statusCode,
    ).toBe(401);
    const refresh = await post(agora, `${BO}/auth/token/refresh/`, {
      cookie: `refresh_token=${s.refresh}`,
      origin: SAME_ORIGIN,
    });
    expect(refresh.json().detail).toBe('Token is blacklisted');
    // Another client's session of the same account goes on.
    expect(
      (await agora.app.inject({ url: '/idp/api/v1/users/me', headers: { authorization: `Bearer ${idp.accessToken}` } }))
        .statusCode,
    ).toBe(200);
  });

  it('user-group-permissions: group, codenames and partner; no group is a 404', async () => {
    const su = (await w.su.req('GET', `${API}/user-group-permissions/`)).json();
    expect(su.group_name).toBe('superuser');
    expect(su.partner_id).toBeNull();
    expect(su.permissions).toHaveLength(36);
    expect((await w.owner.req('GET', `${API}/user-group-permissions/`)).json()).toEqual({
      group_name: 'owner',
      permissions: [
        'add_branch',
        'add_employee',
        'change_branch',
        'change_course',
        'change_employee',
        'change_partner',
        'delete_branch',
        'delete_employee',
        'view_branch',
        'view_category',
        'view_course',
        'view_employee',
        'view_lesson',
        'view_partner',
      ],
      partner_id: w.ids.partnerA,
    });
    expect((await w.teacher.req('GET', `${API}/user-group-permissions/`)).json()).toEqual({
      group_name: 'teacher',
      permissions: ['view_branch', 'view_category', 'view_course', 'view_employee', 'view_lesson', 'view_partner'],
      partner_id: w.ids.partnerA,
    });
    const none = await w.loner.req('GET', `${API}/user-group-permissions/`);
    expect(none.statusCode).toBe(404);
    expect(none.json()).toEqual({ error: 'User is not part of any group' });
    expect((await agora.app.inject({ url: `${API}/user-group-permissions/` })).statusCode).toBe(401);
  });

  it('answers 405 for methods a path does not serve, after authentication', async () => {
    const res = await w.su.req('PUT', `${API}/partners/`, {});
    expect(res.statusCode).toBe(405);
    expect(res.json()).toEqual({ detail: 'Method "PUT" not allowed.' });
    expect(res.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    expect((await agora.app.inject({ method: 'PUT', url: `${API}/partners/` })).statusCode).toBe(401);
    expect((await agora.app.inject({ url: `${BO}/auth/token/` })).statusCode).toBe(405);
  });
});

describe('backoffice: expired sessions are purged by the scheduled task', () => {
  it('identity.tokens.flush-expired removes an expired back-office session', async () => {
    let offset = 0;
    const clock: Clock = {
      now: () => new Date(Date.now() + offset),
      uuid: () => randomUUID(),
      token: (bytes = 32) => randomBytes(bytes).toString('base64url'),
    };
    const agora = await testApp({}, { clock });
    try {
      const su = await superuser(agora);
      const email = `purge-${unique()}@school.test`;
      await create(su, 'users', userBody(email));
      const s = await login(agora, email);
      expect(await agora.identity.service.listSessions(s.userId)).toHaveLength(1);
      offset = 2 * 86400 * 1000;
      const task = agora.modules.flatMap((m) => m.tasks ?? []).find((t) => t.name === 'identity.tokens.flush-expired')!;
      const flushed = (await task.run()) as { sessions: number };
      expect(flushed.sessions).toBeGreaterThanOrEqual(1);
      offset = 0;
      expect(await agora.identity.service.listSessions(s.userId)).toHaveLength(0);
      const refresh = await post(agora, `${BO}/auth/token/refresh/`, {
        cookie: `refresh_token=${s.refresh}`,
        origin: SAME_ORIGIN,
      });
      expect(refresh.json().detail).toBe('Token is invalid or expired');
    } finally {
      await agora.app.close();
    }
  });
});
