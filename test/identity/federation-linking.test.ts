import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import { bearer, registerAndLogin, type TestUser } from '../helpers/identity.js';
import { deliver, startLogin, throughProvider } from './providers/browser.js';
import { googleLike, type Person } from './providers/google-like.js';

const P = '/idp/api/v1';
const AGORA = 'http://agora.test';

describe('account linking: a provider identity never takes over an account silently', () => {
  let google: Awaited<ReturnType<typeof googleLike>>;
  let agora: Agora;
  beforeAll(async () => {
    google = await googleLike({
      clientId: 'agora',
      clientSecret: 'google-client-secret',
      redirectUri: `${AGORA}/idp/api/v1/auth/google/endpoint`,
    });
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

  const googler = (email: string, verified = true): Person => ({
    sub: unique('sub'),
    email,
    email_verified: verified,
  });
  async function signIn(who: Person, link?: string) {
    google.behaviour.person = who;
    const { url, cookie } = await startLogin(agora, 'google', { link });
    return deliver(agora, await throughProvider(url, AGORA), cookie);
  }
  const identities = (token: string) => agora.app.inject({ url: `${P}/auth/identities`, headers: bearer(token) });
  const accept = (token: string, linkToken: string) =>
    agora.app.inject({
      method: 'POST',
      url: `${P}/auth/link`,
      headers: bearer(token),
      payload: { link_token: linkToken },
    });
  const userOf = async (token: string) =>
    (await agora.app.inject({ url: `${P}/users/me`, headers: bearer(token) })).json().user_id;

  it('a verified email of an existing account: 409 with a link token, accepted only by that account signed in', async () => {
    const owner = await registerAndLogin(agora);
    const stranger = await registerAndLogin(agora);
    const who = googler(owner.email);
    const res = await signIn(who);
    expect(res.statusCode).toBe(409);
    const { link_token } = res.json();
    expect(link_token).toMatch(/^[\w-]{43}$/);
    expect((await identities(owner.access)).json().identities).toEqual([]);

    // another signed-in account cannot take it (and the token is used up)
    const wrong = await accept(stranger.access, link_token);
    expect(wrong.statusCode).toBe(403);
    expect((await accept(owner.access, link_token)).statusCode).toBe(400);

    const again = (await signIn(who)).json().link_token;
    const accepted = await accept(owner.access, again);
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json()).toMatchObject({ provider: 'google', subject: who.sub, email_verified: true });
    // from now on, signing in with Google is signing in as the owner
    const login = await signIn(who);
    expect(login.statusCode).toBe(200);
    expect(await userOf(login.json().access_token)).toBe(owner.id);
  });

  it('an unverified email never takes over an existing account: 409, no link token, nothing linked', async () => {
    const owner = await registerAndLogin(agora);
    const res = await signIn(googler(owner.email, false));
    expect(res.statusCode).toBe(409);
    expect(res.json().link_token).toBeUndefined();
    expect((await identities(owner.access)).json().identities).toEqual([]);
    expect((await agora.identity.service.listUsers({ page: 1, size: 5, search: owner.email })).length).toBe(1);
  });

  it('a signed-in user links Google from their account; the same Google account cannot go to another user', async () => {
    const owner = await registerAndLogin(agora);
    const who = googler(`${unique('other')}@gmail.test`);
    const linked = await signIn(who, owner.access);
    expect(linked.statusCode, linked.body).toBe(200);
    expect(await userOf(linked.json().access_token)).toBe(owner.id);
    expect((await identities(owner.access)).json().identities).toMatchObject([
      { provider: 'google', subject: who.sub },
    ]);

    const other = await registerAndLogin(agora);
    const stolen = await signIn(who, other.access);
    expect(stolen.statusCode).toBe(409);
    expect((await identities(other.access)).json().identities).toEqual([]);
  });

  it('the link start needs a signed-in user (a bearer token)', async () => {
    const res = await agora.app.inject({ method: 'POST', url: `${P}/auth/google/link` });
    expect(res.statusCode).toBe(401);
  });

  describe('unlinking and the federated user’s other logins', () => {
    let token: string;
    let user: { user_id: string; username: string };
    let linkId: string;
    beforeAll(async () => {
      const res = await signIn(googler(`${unique('fed')}@gmail.test`));
      token = res.json().access_token;
      user = (await agora.app.inject({ url: `${P}/users/me`, headers: bearer(token) })).json();
      linkId = (await identities(token)).json().identities[0].id;
    });
    const unlink = (id: string) =>
      agora.app.inject({ method: 'DELETE', url: `${P}/auth/identities/${id}`, headers: bearer(token) });

    it('unlinking the last way to sign in is a 409', async () => {
      const res = await unlink(linkId);
      expect(res.statusCode).toBe(409);
      expect(res.json().detail).toMatch(/last way to sign in/);
      expect((await identities(token)).json()).toMatchObject({ has_password: false, identities: [{ id: linkId }] });
    });

    it('a federated account has no password until it sets one; then every module’s login works', async () => {
      const tryLogins = async (password: string) => [
        (
          await agora.app.inject({
            method: 'POST',
            url: `${P}/users/token`,
            payload: { login: user.username, password },
          })
        ).statusCode,
        (
          await agora.app.inject({
            method: 'POST',
            url: '/messenger/v1/auth/login',
            payload: { user_name: user.username, password },
          })
        ).statusCode,
        (
          await agora.app.inject({
            method: 'POST',
            url: '/wishlist/api/login/',
            payload: { username: user.username, password },
          })
        ).statusCode,
      ];
      expect((await tryLogins('')).every((s) => s >= 400 && s < 500)).toBe(true);
      expect((await tryLogins('a guess at nothing')).every((s) => s === 400 || s === 401)).toBe(true);
      const set = () =>
        agora.app.inject({
          method: 'POST',
          url: `${P}/auth/password`,
          headers: bearer(token),
          payload: { password: 'my first password' },
        });
      expect((await set()).statusCode).toBe(204);
      expect(await tryLogins('my first password')).toEqual([200, 200, 200]);
      // a second "first password" is refused: the reset flow (old password checked) is the way to change it
      expect((await set()).statusCode).toBe(409);
      // the wishlist also takes identity's own access token of the Google login
      const wishes = await agora.app.inject({ url: '/wishlist/api/wishes/', headers: bearer(token) });
      expect(wishes.statusCode).toBe(200);
      // and the microblog an API key made with it
      const key = await agora.app.inject({
        method: 'POST',
        url: `${P}/api-keys/`,
        headers: bearer(token),
        payload: { name: 'microblog' },
      });
      expect(key.statusCode).toBe(201);
      const me = await agora.app.inject({ url: '/microblog/api/users/me', headers: { 'api-key': key.json().key } });
      expect(me.statusCode).toBe(200);
    });

    it('with a password set, the Google identity can be unlinked; signing in with Google then makes a new account', async () => {
      expect((await unlink(linkId)).statusCode).toBe(204);
      expect((await identities(token)).json()).toEqual({ identities: [], has_password: true });
      expect((await unlink(linkId)).statusCode).toBe(404);
    });
  });

  it('another user’s identity is not yours to unlink (404)', async () => {
    const a = await signIn(googler(`${unique('a')}@gmail.test`));
    const b: TestUser = await registerAndLogin(agora);
    const id = (await identities(a.json().access_token)).json().identities[0].id;
    const res = await agora.app.inject({
      method: 'DELETE',
      url: `${P}/auth/identities/${id}`,
      headers: bearer(b.access),
    });
    expect(res.statusCode).toBe(404);
  });
});
