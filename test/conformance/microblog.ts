import { unique } from '../helpers/app.js';
import { multipart, PNG } from '../files/fixtures.js';
import type { Actor, Fixtures, FixtureTable } from './fixtures.js';

export async function tweet(f: Fixtures, who: Actor, media?: number[]): Promise<string> {
  const body = { tweet_data: unique('tweet'), ...(media ? { tweet_media_ids: media } : {}) };
  return String((await f.call('POST', '/microblog/api/tweets', who, 'apiKey', body)).tweet_id);
}

export async function profile(f: Fixtures, who: Actor): Promise<string> {
  return String((await f.call('GET', '/microblog/api/users/me', who, 'apiKey')).user.id);
}

export async function mediaName(f: Fixtures, who: Actor): Promise<string> {
  const mp = multipart(Buffer.concat([PNG, Buffer.from(unique())]));
  const up = await f.agora.app.inject({
    method: 'POST',
    url: '/microblog/api/medias',
    headers: { ...who.creds.apiKey, ...mp.headers },
    payload: mp.payload,
  });
  const id = await tweet(f, who, [up.json().media_id]);
  const feed = await f.call('GET', '/microblog/api/tweets?limit=1000', who, 'apiKey');
  const posted = feed.tweets.find((t: { id: number }) => String(t.id) === id);
  return posted.attachments[0].split('/').pop();
}

export const microblogFixtures: FixtureTable = {
  'DELETE /microblog/api/tweets/{id}': { ok: async (f, me) => ({ params: { id: await tweet(f, me) } }) },
  'POST /microblog/api/tweets/{id}/likes': { ok: async (f, me) => ({ params: { id: await tweet(f, me) } }) },
  'DELETE /microblog/api/tweets/{id}/likes': { ok: async (f, me) => ({ params: { id: await tweet(f, me) } }) },
  'POST /microblog/api/users/{id}/follow': {
    ok: async (f) => ({ params: { id: await profile(f, await f.actor(false)) } }),
  },
  'DELETE /microblog/api/users/{id}/follow': {
    ok: async (f) => ({ params: { id: await profile(f, await f.actor(false)) } }),
  },
  'GET /microblog/api/users/{id}': { ok: async (f, me) => ({ params: { id: await profile(f, me) } }) },
  'GET /microblog/api/tweets': {
    ok: async (f, me) => {
      await tweet(f, me);
      await tweet(f, me);
      const page = await f.call('GET', '/microblog/api/tweets?limit=1', me, 'apiKey');
      return { optional: { offset: null, cursor: page.next_cursor } };
    },
  },
  'GET /microblog/media/{name}': { ok: async (f, me) => ({ params: { name: await mediaName(f, me) } }) },
};
