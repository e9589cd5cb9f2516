import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import { bearer, registerAndLogin } from '../helpers/identity.js';

const P = '/idp/api/v1';

/** Which credential reaches which route: identity is bearer-only, API keys are scoped, families are kept apart. */
describe('identity: credential scopes', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora.app.close());

  const createKey = (access: string, payload: object) =>
    agora.app.inject({ method: 'POST', url: `${P}/api-keys/`, headers: bearer(access), payload });
  const tweet = (key: string) =>
    agora.app.inject({
      method: 'POST',
      url: '/microblog/api/tweets',
      headers: { 'api-key': key },
      payload: { tweet_data: 'hello' },
    });
  const myProfile = (key: string) => agora.app.inject({ url: '/microblog/api/users/me', headers: { 'api-key': key } });

  it('an API key cannot call identity routes, so it cannot mint more keys', async () => {
    const u = await registerAndLogin(agora);
    const { key } = (await createKey(u.access, { name: 'k' })).json<{ key: string }>();
    const mint = await agora.app.inject({
      method: 'POST',
      url: `${P}/api-keys/`,
      headers: { 'api-key': key },
      payload: { name: 'minted' },
    });
    expect(mint.statusCode).toBe(401);
    expect((await agora.app.inject({ url: `${P}/api-keys/`, headers: { 'api-key': key } })).statusCode).toBe(401);
    expect((await agora.identity.service.listApiKeys(u.id)).map((k) => k.name)).toEqual(['k']);
  });

  it("a messenger session cannot call identity's admin routes, even a superuser's", async () => {
    const admin = await registerAndLogin(agora, { admin: true });
    const user = (await agora.identity.service.getUser(admin.id))!;
    const { sessionId } = await agora.identity.service.openSession(user, { client: 'messenger' });
    const list = await agora.app.inject({ url: `${P}/users/`, headers: { authorization: `session_id ${sessionId}` } });
    expect(list.statusCode).toBe(401);
    expect(list.json()).toEqual({ detail: expect.any(String) });
    const roles = await agora.app.inject({
      method: 'POST',
      url: `${P}/roles/`,
      headers: { authorization: `session_id ${sessionId}` },
      payload: { name: unique('role') },
    });
    expect(roles.statusCode).toBe(401);
    // the same account with its bearer token is an admin
    expect((await agora.app.inject({ url: `${P}/users/`, headers: bearer(admin.access) })).statusCode).toBe(200);
  });

  it('scopes: read-only keys read, write keys write, other modules refuse with 403', async () => {
    const u = await registerAndLogin(agora);
    const read = (await createKey(u.access, { name: 'r', scopes: ['microblog:read'] })).json<{ key: string }>();
    const write = (await createKey(u.access, { name: 'w', scopes: ['microblog:write'] })).json<{ key: string }>();
    const files = (await createKey(u.access, { name: 'f', scopes: ['files:write'] })).json<{
      key: string;
      scopes: string[];
    }>();
    expect(files.scopes).toEqual(['files:write']);
    expect((await myProfile(read.key)).statusCode).toBe(200);
    const refused = await tweet(read.key);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ result: false });
    expect((await tweet(write.key)).statusCode).toBe(201);
    expect((await myProfile(files.key)).statusCode).toBe(403);
    // the default is every module, read and write
    const all = (await createKey(u.access, { name: 'all' })).json<{ key: string; scopes: string[] }>();
    expect(all.scopes).toEqual(['*:write']);
    expect((await tweet(all.key)).statusCode).toBe(201);
  });

  it('unknown scopes are a 400; only an admin may grant admin, and only such a key carries admin rights', async () => {
    const u = await registerAndLogin(agora);
    const bad = await createKey(u.access, { name: 'x', scopes: ['nosuchmodule:write'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('nosuchmodule');
    expect((await createKey(u.access, { name: 'x', scopes: ['admin'] })).statusCode).toBe(403);

    const admin = await registerAndLogin(agora, { admin: true });
    const plain = await agora.identity.service.createApiKey(admin.id, 'plain');
    const granted = await createKey(admin.access, { name: 'a', scopes: ['admin', 'files:write'] });
    expect(granted.statusCode).toBe(201);
    const asPlain = await agora.identity.service.resolveApiKey(plain.key);
    expect(asPlain.isSuperuser).toBe(false);
    expect(asPlain.permissions).toEqual([]);
    const asAdmin = await agora.identity.service.resolveApiKey(granted.json<{ key: string }>().key);
    expect(asAdmin.isSuperuser).toBe(true);
  });

  it('a password change revokes API keys unless the caller keeps them', async () => {
    const u = await registerAndLogin(agora);
    const { key } = (await createKey(u.access, { name: 'k' })).json<{ key: string }>();
    const reset = (payload: object) =>
      agora.app.inject({ method: 'POST', url: `${P}/users/reset`, headers: bearer(u.access), payload });
    expect(
      (await reset({ old_password: u.password, password: 'second password', keep_api_keys: true })).statusCode,
    ).toBe(204);
    expect((await myProfile(key)).statusCode).toBe(200);
    expect((await reset({ old_password: 'second password', password: 'third password' })).statusCode).toBe(204);
    expect((await myProfile(key)).statusCode).toBe(401);
    expect(await agora.identity.service.listApiKeys(u.id)).toEqual([]);
  });

  it('logout/all revokes API keys unless the caller keeps them', async () => {
    const keepUser = await registerAndLogin(agora);
    const kept = (await createKey(keepUser.access, { name: 'k' })).json<{ key: string }>();
    const logoutAll = (access: string, payload?: object) =>
      agora.app.inject({ method: 'POST', url: `${P}/users/logout/all`, headers: bearer(access), payload });
    expect((await logoutAll(keepUser.access, { keep_api_keys: true })).statusCode).toBe(204);
    expect((await myProfile(kept.key)).statusCode).toBe(200);

    const u = await registerAndLogin(agora);
    const { key } = (await createKey(u.access, { name: 'k' })).json<{ key: string }>();
    expect((await logoutAll(u.access)).statusCode).toBe(204);
    expect((await myProfile(key)).statusCode).toBe(401);
  });

  it('refresh tokens work only at the family that issued them; a wrong door does not consume them', async () => {
    const u = await registerAndLogin(agora);
    const wl = await agora.app.inject({
      method: 'POST',
      url: '/wishlist/api/login/',
      payload: { username: u.username, password: u.password },
    });
    const { refresh } = wl.json<{ refresh: string }>();
    const atIdentity = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/refresh`,
      payload: { refresh_token: refresh },
    });
    expect(atIdentity.statusCode).toBe(401);
    const atWishlist = await agora.app.inject({
      method: 'POST',
      url: '/wishlist/api/token/refresh/',
      payload: { refresh },
    });
    expect(atWishlist.statusCode).toBe(200);
    // and identity's refresh token is refused by the wishlist, then still rotates at identity
    const wrong = await agora.app.inject({
      method: 'POST',
      url: '/wishlist/api/token/refresh/',
      payload: { refresh: u.refresh },
    });
    expect(wrong.statusCode).toBe(401);
    const right = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/refresh`,
      payload: { refresh_token: u.refresh },
    });
    expect(right.statusCode).toBe(200);
  });
});

describe('identity: bodies keep their types; usernames are unique case-insensitively', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora.app.close());

  it('permissions [false, 0] are refused, not stored as "false" and "0"', async () => {
    const admin = await registerAndLogin(agora, { admin: true });
    const res = await agora.app.inject({
      method: 'POST',
      url: `${P}/roles/`,
      headers: bearer(admin.access),
      payload: { name: unique('role'), permissions: [false, 0] },
    });
    expect(res.statusCode).toBe(400);
    expect((await agora.identity.service.listRoles()).flatMap((r) => r.permissions)).not.toContain('false');
  });

  it('ADMIN cannot be registered next to admin, through any module', async () => {
    const name = unique('casey');
    const first = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/`,
      payload: { username: name, email: `${name}@example.test`, password: 'long enough 1' },
    });
    expect(first.statusCode).toBe(201);
    const upper = name.toUpperCase();
    const viaIdentity = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/`,
      payload: { username: upper, email: `${name}2@example.test`, password: 'long enough 1' },
    });
    expect(viaIdentity.statusCode).toBe(409);
    const viaMessenger = await agora.app.inject({
      method: 'POST',
      url: '/messenger/v1/auth/register',
      payload: { user_name: upper, password: 'long enough 1' },
    });
    expect(viaMessenger.json()).toEqual({ message: 'user-already-exists' });
    const viaWishlist = await agora.app.inject({
      method: 'POST',
      url: '/wishlist/api/register/',
      payload: { username: upper, password: 'long enough 1' },
    });
    expect(viaWishlist.statusCode).toBe(400);
    expect(viaWishlist.json()).toHaveProperty('username');
  });
});
