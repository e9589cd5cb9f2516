import { unique } from '../helpers/app.js';
import type { Actor, Fixtures, FixtureTable } from './fixtures.js';

export async function wish(f: Fixtures, who: Actor): Promise<string> {
  return String((await f.call('POST', '/wishlist/api/wishes/', who, 'bearer', { title: unique('wish') })).id);
}

export async function share(f: Fixtures, who: Actor): Promise<string> {
  return (await f.call('POST', '/wishlist/api/share/', who, 'bearer')).token;
}

export const wishlistFixtures: FixtureTable = {
  'POST /wishlist/api/login/': { ok: async (_f, me) => ({ body: { username: me.username, password: me.password } }) },
  'POST /wishlist/api/token/refresh/': {
    ok: async (f, me) => {
      const pair = await f.call('POST', '/wishlist/api/login/', undefined, '', {
        username: me.username,
        password: me.password,
      });
      return { body: { refresh: pair.refresh } };
    },
  },
  'GET /wishlist/api/wishes/{id}/': { ok: async (f, me) => ({ params: { id: await wish(f, me) } }) },
  'PUT /wishlist/api/wishes/{id}/': { ok: async (f, me) => ({ params: { id: await wish(f, me) } }) },
  'PATCH /wishlist/api/wishes/{id}/': { ok: async (f, me) => ({ params: { id: await wish(f, me) } }) },
  'DELETE /wishlist/api/wishes/{id}/': { ok: async (f, me) => ({ params: { id: await wish(f, me) } }) },
  'GET /wishlist/api/share/': {
    ok: async (f, me) => {
      await share(f, me);
      return {};
    },
  },
  'GET /wishlist/api/shared/{token}/': { ok: async (f, me) => ({ params: { token: await share(f, me) } }) },
  'POST /wishlist/api/shared/{token}/wishes/{id}/reserve/': {
    ok: async (f) => {
      const owner = await f.actor(false);
      return { params: { id: await wish(f, owner), token: await share(f, owner) } };
    },
  },
  'DELETE /wishlist/api/shared/{token}/wishes/{id}/reserve/': {
    ok: async (f, me) => {
      const owner = await f.actor(false);
      const [id, token] = [await wish(f, owner), await share(f, owner)];
      await f.call('POST', `/wishlist/api/shared/${token}/wishes/${id}/reserve/`, me, 'bearer');
      return { params: { id, token } };
    },
  },
};
