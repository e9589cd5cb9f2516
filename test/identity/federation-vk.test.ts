import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import { bearer, registerAndLogin } from '../helpers/identity.js';
import { deliver, startLogin, throughProvider } from './providers/browser.js';
import { vkIdStandIn, type VkUser } from './providers/vk-id-stand-in.js';

const P = '/idp/api/v1';
const AGORA = 'http://agora.test';
const CALLBACK = `${AGORA}/idp/api/v1/auth/vk/endpoint`;

describe('sign in with VK ID: OAuth 2 + PKCE against a stand-in of its documented endpoints', () => {
  let vk: Awaited<ReturnType<typeof vkIdStandIn>>;
  let agora: Agora;
  beforeAll(async () => {
    vk = await vkIdStandIn({ clientId: '51234567', redirectUri: CALLBACK });
    agora = await testApp({
      PUBLIC_URL: AGORA,
      OAUTH_VK_CLIENT_ID: '51234567',
      OAUTH_VK_AUTHORIZATION_URL: `${vk.base}/authorize`,
      OAUTH_VK_TOKEN_URL: `${vk.base}/oauth2/auth`,
      OAUTH_VK_USERINFO_URL: `${vk.base}/oauth2/user_info`,
    });
  });
  afterAll(async () => {
    await agora.app.close();
    await vk.close();
  });

  const vkUser = (over: Partial<VkUser> = {}): VkUser => ({
    user_id: String(Math.floor(Math.random() * 1e9)),
    first_name: 'Ivan',
    last_name: 'Petrov',
    email: `${unique('vk')}@mail.test`,
    ...over,
  });
  const accountWith = async (email: string) =>
    (await agora.identity.service.listUsers({ page: 1, size: 5, search: email })).length;
  const usersCount = async () => (await agora.identity.service.listUsers({ page: 1, size: 100 })).length;
  async function login(user: VkUser) {
    vk.behaviour.user = user;
    const { url, cookie } = await startLogin(agora, 'vk');
    return { callback: await throughProvider(url, AGORA), cookie };
  }

  it('redirect → VK ID → callback (code, state, device_id) → token with code_verifier → user_info → Token', async () => {
    const user = vkUser();
    const { callback, cookie } = await login(user);
    expect(callback.searchParams.get('device_id')).toBeTruthy();
    const res = await deliver(agora, callback, cookie);
    expect(res.statusCode, res.body).toBe(200);
    const me = await agora.app.inject({ url: `${P}/users/me`, headers: bearer(res.json().access_token) });
    // VK does not vouch for the email as OIDC's email_verified does: the account does not take it
    expect(me.json()).toMatchObject({ email: null, email_verified: false });
    const ids = await agora.app.inject({ url: `${P}/auth/identities`, headers: bearer(res.json().access_token) });
    expect(ids.json().identities).toMatchObject([
      { provider: 'vk', subject: user.user_id, email: user.email, email_verified: false },
    ]);

    const authorize = vk.requests.filter((r) => r.path === '/authorize').at(-1)!.params;
    expect(authorize).toMatchObject({ response_type: 'code', client_id: '51234567', code_challenge_method: 'S256' });
    const exchange = vk.requests.filter((r) => r.path === '/oauth2/auth').at(-1)!.params;
    expect(exchange).toMatchObject({
      grant_type: 'authorization_code',
      client_id: '51234567',
      redirect_uri: CALLBACK,
      device_id: callback.searchParams.get('device_id'),
      state: authorize.state,
    });
    expect(exchange.code_verifier).toMatch(/^[\w-]{43,128}$/);
    const info = vk.requests.filter((r) => r.path === '/oauth2/user_info').at(-1)!.params;
    expect(Object.keys(info).sort()).toEqual(['access_token', 'client_id']);

    const again = await login(user);
    const second = await deliver(agora, again.callback, again.cookie);
    const me2 = await agora.app.inject({ url: `${P}/users/me`, headers: bearer(second.json().access_token) });
    expect(me2.json().user_id).toBe(me.json().user_id);
  });

  it('PKCE is enforced: a code from another login (another challenge) is refused, 400, nothing created', async () => {
    const user = vkUser();
    const before = await usersCount();
    const first = await login(user);
    const second = await login(user);
    const mixed = new URL(second.callback);
    mixed.searchParams.set('code', first.callback.searchParams.get('code')!);
    mixed.searchParams.set('device_id', first.callback.searchParams.get('device_id')!);
    const res = await deliver(agora, mixed, second.cookie);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe('vk refused the login (invalid_grant: code_verifier does not match)');
    expect(await usersCount()).toBe(before);
  });

  it('wrong state, replayed state and VK’s error are 400s that create nothing', async () => {
    const user = vkUser();
    const before = await usersCount();
    const { callback, cookie } = await login(user);
    const wrong = new URL(callback);
    wrong.searchParams.set('state', 'forged');
    expect((await deliver(agora, wrong, cookie)).statusCode).toBe(400);
    expect(await usersCount()).toBe(before);
    expect((await deliver(agora, callback, cookie)).statusCode).toBe(200);
    expect(await usersCount()).toBe(before + 1);
    const replay = await deliver(agora, callback, cookie);
    expect(replay.statusCode).toBe(400);
    expect(await usersCount()).toBe(before + 1);

    vk.behaviour.deny = true;
    try {
      const denied = await login(vkUser());
      const res = await deliver(agora, denied.callback, denied.cookie);
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toBe('vk refused the login (access_denied: User denied access)');
      expect(await usersCount()).toBe(before + 1);
    } finally {
      vk.behaviour.deny = false;
    }
  });

  it('an email VK gives never reaches the existing account with it: 409 without a link token', async () => {
    const owner = await registerAndLogin(agora);
    const { callback, cookie } = await login(vkUser({ email: owner.email }));
    const res = await deliver(agora, callback, cookie);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ detail: expect.stringMatching(/sign in to it and link vk/i) });
    expect(await accountWith(owner.email)).toBe(1);
    const ids = await agora.app.inject({ url: `${P}/auth/identities`, headers: bearer(owner.access) });
    expect(ids.json()).toEqual({ identities: [], has_password: true });
  });
});
