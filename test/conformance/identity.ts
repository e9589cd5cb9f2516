import { unique } from '../helpers/app.js';
import { deliver, startLogin, throughProvider } from '../identity/providers/browser.js';
import { googleLike, type Person } from '../identity/providers/google-like.js';
import type { Actor, Fixtures, FixtureTable } from './fixtures.js';

const AGORA = 'http://agora.test';
const FRONT_END = 'http://front.test/signed-in';
let google: Awaited<ReturnType<typeof googleLike>> | undefined;

/** A real OpenID provider (Google's shape) for the external-login routes; its settings go into the app. */
export async function identityProviders() {
  google = await googleLike({
    clientId: 'agora',
    clientSecret: 'google-client-secret',
    redirectUri: `${AGORA}/idp/api/v1/auth/google/endpoint`,
  });
  return {
    config: {
      PUBLIC_URL: AGORA,
      OAUTH_GOOGLE_CLIENT_ID: 'agora',
      OAUTH_GOOGLE_CLIENT_SECRET: 'google-client-secret',
      OAUTH_GOOGLE_ISSUER: google.issuer,
      OAUTH_FRONTEND_REDIRECT_URL: FRONT_END,
    },
    close: () => google!.close(),
  };
}

const googler = (email = `${unique('g')}@mail.test`): Person => ({ sub: unique('sub'), email, email_verified: true });

/** A browser through Google and back: the callback URL Google sent it to, and Agora's browser-binding cookie. */
async function throughGoogle(f: Fixtures, person: Person, link?: string) {
  google!.behaviour.person = person;
  const { url, cookie } = await startLogin(f.agora, 'google', { link });
  return { callback: await throughProvider(url, AGORA), cookie };
}

/** The one-time code the front end receives after a first external login. */
async function loginCode(f: Fixtures): Promise<string> {
  const { callback, cookie } = await throughGoogle(f, googler());
  const res = await deliver(f.agora, callback, cookie);
  const location = new URL(String(res.headers.location));
  if (res.statusCode !== 302 || !location.href.startsWith(FRONT_END)) throw new Error(`login: ${res.statusCode}`);
  return location.searchParams.get('code')!;
}

/** An account made by an external login, signed in with a bearer token only. */
async function federatedActor(f: Fixtures): Promise<Actor> {
  const tok = await f.call('POST', '/idp/api/v1/auth/token', undefined, '', { code: await loginCode(f) });
  const bearer = { authorization: `Bearer ${tok.access_token}` };
  const me = (await f.agora.app.inject({ url: '/idp/api/v1/users/me', headers: bearer })).json();
  return {
    id: me.user_id,
    username: me.username,
    password: '',
    refresh: tok.refresh_token,
    keyId: '',
    creds: { bearer },
  };
}

/** Links a Google identity to `who` and returns its id. */
async function linkedIdentity(f: Fixtures, who: Actor): Promise<string> {
  const token = who.creds.bearer!.authorization!.slice('Bearer '.length);
  const { callback, cookie } = await throughGoogle(f, googler(), token);
  const res = await deliver(f.agora, callback, cookie);
  if (res.statusCode >= 400) throw new Error(`link: ${res.statusCode} ${res.body}`);
  const listed = await f.call('GET', '/idp/api/v1/auth/identities', who, 'bearer');
  return listed.identities[0].id;
}

async function oidcClient(f: Fixtures, who: Actor): Promise<string> {
  const body = { client_name: unique('rp'), redirect_uris: ['https://rp.example.test/callback'] };
  return (await f.call('POST', '/idp/api/v1/oidc/clients', who, 'bearer', body)).client_id;
}

export async function role(f: Fixtures, who: Actor): Promise<string> {
  return (await f.call('POST', '/idp/api/v1/roles/', who, 'bearer', { name: unique('role') })).id;
}

export const identityFixtures: FixtureTable = {
  'POST /idp/api/v1/users/token': { ok: async (_f, me) => ({ body: { login: me.username, password: me.password } }) },
  'POST /idp/api/v1/users/refresh': { ok: async (_f, me) => ({ body: { refresh_token: me.refresh } }) },
  'POST /idp/api/v1/users/reset': {
    ok: async (_f, me) => ({ body: { old_password: me.password, password: 'another long password' } }),
  },
  'GET /idp/api/v1/users/{user_id}': { ok: async (_f, me) => ({ params: { user_id: me.id } }) },
  'GET /idp/api/v1/users/{user_id}/roles': { ok: async (_f, me) => ({ params: { user_id: me.id } }) },
  'GET /idp/api/v1/users/{user_id}/sessions': { ok: async (_f, me) => ({ params: { user_id: me.id } }) },
  'POST /idp/api/v1/users/logout/{user_id}': {
    ok: async (f) => ({ params: { user_id: (await f.actor(false)).id } }),
  },
  'PUT /idp/api/v1/roles/{role_id}': { ok: async (f, me) => ({ params: { role_id: await role(f, me) } }) },
  'DELETE /idp/api/v1/roles/{role_id}': { ok: async (f, me) => ({ params: { role_id: await role(f, me) } }) },
  'POST /idp/api/v1/roles/{role_id}/users': {
    ok: async (f, me) => ({ params: { role_id: await role(f, me) }, body: { users: [me.id] } }),
  },
  'DELETE /idp/api/v1/roles/{role_id}/users/{user_id}': {
    ok: async (f, me) => {
      const roleId = await role(f, me);
      await f.call('POST', `/idp/api/v1/roles/${roleId}/users`, me, 'bearer', { users: [me.id] });
      return { params: { role_id: roleId, user_id: me.id } };
    },
  },
  'DELETE /idp/api/v1/api-keys/{id}': { ok: async (_f, me) => ({ params: { id: me.keyId } }) },

  'GET /idp/api/v1/auth/{provider}/': { ok: async () => ({ params: { provider: 'google' } }) },
  'GET /idp/api/v1/auth/{provider}/endpoint': {
    ok: async (f) => {
      const { callback, cookie } = await throughGoogle(f, googler());
      return {
        params: { provider: 'google' },
        query: Object.fromEntries(callback.searchParams),
        headers: { cookie },
        optional: { error: null, error_description: null, device_id: null },
      };
    },
  },
  'POST /idp/api/v1/auth/token': { ok: async (f) => ({ body: { code: await loginCode(f) } }) },
  'POST /idp/api/v1/auth/{provider}/link': { ok: async () => ({ params: { provider: 'google' } }) },
  'POST /idp/api/v1/auth/link': {
    ok: async (f, me) => {
      const { callback, cookie } = await throughGoogle(f, googler(`${me.username}@example.test`));
      const res = await deliver(f.agora, callback, cookie);
      return { body: { link_token: res.json().link_token } };
    },
  },
  'DELETE /idp/api/v1/auth/identities/{id}': { ok: async (f, me) => ({ params: { id: await linkedIdentity(f, me) } }) },
  'POST /idp/api/v1/auth/password': { ok: async (f) => ({ as: await federatedActor(f) }) },
  'POST /idp/api/v1/oidc/clients': {
    ok: async () => ({ body: { redirect_uris: ['https://rp.example.test/callback'] } }),
  },
  'DELETE /idp/api/v1/oidc/clients/{client_id}': {
    ok: async (f, me) => ({ params: { client_id: await oidcClient(f, me) } }),
  },
};
