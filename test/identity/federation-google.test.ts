import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import { bearer } from '../helpers/identity.js';
import { deliver, startLogin, throughProvider } from './providers/browser.js';
import { googleLike, type Person } from './providers/google-like.js';

const P = '/idp/api/v1';
const AGORA = 'http://agora.test';
const CALLBACK = `${AGORA}/idp/api/v1/auth/google/endpoint`;

describe('sign in with Google: OIDC code + PKCE against a real OpenID provider', () => {
  let google: Awaited<ReturnType<typeof googleLike>>;
  let agora: Agora;
  beforeAll(async () => {
    google = await googleLike({ clientId: 'agora', clientSecret: 'google-client-secret', redirectUri: CALLBACK });
    agora = await testApp({
      PUBLIC_URL: AGORA,
      OAUTH_GOOGLE_CLIENT_ID: 'agora',
      OAUTH_GOOGLE_CLIENT_SECRET: 'google-client-secret',
      OAUTH_GOOGLE_ISSUER: google.issuer,
    });
  });
  afterAll(async () => {
    await agora.app.close();
    await google.close();
  });

  const person = (over: Partial<Person> = {}): Person => {
    const name = unique('g');
    return {
      sub: `google-${name}`,
      email: `${name}@gmail.test`,
      email_verified: true,
      given_name: 'Ann',
      family_name: 'Lee',
      ...over,
    };
  };
  /** Whether any account has this email (a failed login must create none). */
  const accountWith = async (email: string) =>
    (await agora.identity.service.listUsers({ page: 1, size: 5, search: email })).length;

  async function login(who: Person) {
    google.behaviour.person = who;
    const { url, cookie } = await startLogin(agora, 'google');
    return { callback: await throughProvider(url, AGORA), cookie, authorize: url };
  }

  it('redirects with code + PKCE (S256), state and nonce, to the exact registered redirect URI', async () => {
    const { url } = await startLogin(agora, 'google');
    expect(url.origin).toBe(google.issuer);
    const q = url.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('redirect_uri')).toBe(CALLBACK);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(q.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(q.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(q.get('scope')).toBe('openid email profile');
  });

  it('redirect → provider login → callback → Token → me; the second login is the same account', async () => {
    const who = person();
    const { callback, cookie } = await login(who);
    expect(callback.searchParams.get('code')).toBeTruthy();
    const res = await deliver(agora, callback, cookie);
    expect(res.statusCode, res.body).toBe(200);
    const token = res.json();
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    const me = await agora.app.inject({ url: `${P}/users/me`, headers: bearer(token.access_token) });
    expect(me.json()).toMatchObject({ email: who.email, email_verified: true, username: who.email!.split('@')[0] });

    const again = await login(who);
    const second = await deliver(agora, again.callback, again.cookie);
    expect(second.statusCode).toBe(200);
    const me2 = await agora.app.inject({ url: `${P}/users/me`, headers: bearer(second.json().access_token) });
    expect(me2.json().user_id).toBe(me.json().user_id);
    expect(await accountWith(who.email!)).toBe(1);

    const ids = await agora.app.inject({ url: `${P}/auth/identities`, headers: bearer(token.access_token) });
    expect(ids.json()).toMatchObject({
      has_password: false,
      identities: [{ provider: 'google', subject: who.sub, email: who.email, email_verified: true }],
    });
  });

  it('a wrong state is a 400 and creates nothing; the real state still works once', async () => {
    const who = person();
    const { callback, cookie } = await login(who);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-the-state-agora-sent');
    const res = await deliver(agora, forged, cookie);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/state/);
    expect(await accountWith(who.email!)).toBe(0);
  });

  it('a replayed state is a 400 (single use)', async () => {
    const who = person();
    const { callback, cookie } = await login(who);
    expect((await deliver(agora, callback, cookie)).statusCode).toBe(200);
    const replay = await deliver(agora, callback, cookie);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().detail).toMatch(/already used/);
  });

  it('the state is bound to the browser: no cookie, or another browser’s, is a 400 and creates nothing', async () => {
    const who = person();
    const { callback } = await login(who);
    expect((await deliver(agora, callback)).statusCode).toBe(400);
    const other = await startLogin(agora, 'google');
    const res = await deliver(agora, callback, other.cookie);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/another browser/);
    expect(await accountWith(who.email!)).toBe(0);
  });

  it('an ID token with another nonce is a 400 and creates nothing', async () => {
    const who = person();
    google.behaviour.person = who;
    const { url, cookie } = await startLogin(agora, 'google');
    url.searchParams.set('nonce', 'a-nonce-agora-never-sent-0123456789');
    const callback = await throughProvider(url, AGORA);
    const res = await deliver(agora, callback, cookie);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/nonce/);
    expect(await accountWith(who.email!)).toBe(0);
  });

  it('an ID token signed by another key is a 400 and creates nothing', async () => {
    const who = person();
    google.behaviour.forgeIdToken = (t) => google.resign(t, {}, true);
    try {
      const { callback, cookie } = await login(who);
      const res = await deliver(agora, callback, cookie);
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toMatch(/signature/i);
    } finally {
      google.behaviour.forgeIdToken = undefined;
    }
    expect(await accountWith(who.email!)).toBe(0);
  });

  it('an expired ID token (signed by the right key) is a 400 and creates nothing', async () => {
    const who = person();
    const now = Math.floor(Date.now() / 1000);
    google.behaviour.forgeIdToken = (t) => google.resign(t, { iat: now - 7200, exp: now - 3600 });
    try {
      const { callback, cookie } = await login(who);
      const res = await deliver(agora, callback, cookie);
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toMatch(/exp|timestamp/i);
    } finally {
      google.behaviour.forgeIdToken = undefined;
    }
    expect(await accountWith(who.email!)).toBe(0);
  });

  it('the provider’s error (the user refuses) is a clear 400 and creates nothing', async () => {
    const who = person();
    google.behaviour.deny = true;
    try {
      const { callback, cookie } = await login(who);
      expect(callback.searchParams.get('error')).toBe('access_denied');
      const res = await deliver(agora, callback, cookie);
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toBe('google refused the login (access_denied: The user refused)');
    } finally {
      google.behaviour.deny = false;
    }
    expect(await accountWith(who.email!)).toBe(0);
  });

  it('a replayed authorization code is refused by the provider: 400', async () => {
    const who = person();
    const first = await login(who);
    expect((await deliver(agora, first.callback, first.cookie)).statusCode).toBe(200);
    // a new login whose callback carries the old (used) code with the new state
    const second = await login(who);
    const mixed = new URL(second.callback);
    mixed.searchParams.set('code', first.callback.searchParams.get('code')!);
    const res = await deliver(agora, mixed, second.cookie);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/invalid_grant/);
  });

  it('unknown providers are 404; configured ones are listed', async () => {
    expect((await agora.app.inject({ url: `${P}/auth/facebook/` })).statusCode).toBe(404);
    expect((await agora.app.inject({ url: `${P}/auth/vk/endpoint?state=x&code=y` })).statusCode).toBe(404);
    const list = await agora.app.inject({ url: `${P}/auth/providers` });
    expect(list.json()).toEqual([{ name: 'google', authorization_url: `${AGORA}/idp/api/v1/auth/google/` }]);
  });
});

describe('sign in with Google through a front end: a one-time code, never a token in a URL', () => {
  let google: Awaited<ReturnType<typeof googleLike>>;
  let agora: Agora;
  const FRONT = 'https://app.agora.test/signed-in';
  beforeAll(async () => {
    google = await googleLike({ clientId: 'agora', clientSecret: 'google-client-secret', redirectUri: CALLBACK });
    agora = await testApp({
      PUBLIC_URL: AGORA,
      OAUTH_GOOGLE_CLIENT_ID: 'agora',
      OAUTH_GOOGLE_CLIENT_SECRET: 'google-client-secret',
      OAUTH_GOOGLE_ISSUER: google.issuer,
      OAUTH_FRONTEND_REDIRECT_URL: FRONT,
    });
  });
  afterAll(async () => {
    await agora.app.close();
    await google.close();
  });

  it('redirects to the configured front end with a code exchanged once for the Token', async () => {
    const name = unique('f');
    google.behaviour.person = { sub: name, email: `${name}@gmail.test`, email_verified: true };
    const { url, cookie } = await startLogin(agora, 'google');
    const res = await deliver(agora, await throughProvider(url, AGORA), cookie);
    expect(res.statusCode).toBe(302);
    const front = new URL(res.headers.location!);
    expect(`${front.origin}${front.pathname}`).toBe(FRONT);
    expect([...front.searchParams.keys()]).toEqual(['code']);
    const code = front.searchParams.get('code')!;

    const exchange = () => agora.app.inject({ method: 'POST', url: `${P}/auth/token`, payload: { code } });
    const token = await exchange();
    expect(token.statusCode).toBe(200);
    const me = await agora.app.inject({ url: `${P}/users/me`, headers: bearer(token.json().access_token) });
    expect(me.json().email).toBe(`${name}@gmail.test`);
    const again = await exchange();
    expect(again.statusCode).toBe(400);
    expect(again.json().detail).toMatch(/already used/);
  });
});
