import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { bigPng, multipart, PDF, PNG } from '../files/fixtures.js';
import { API, blogger, failure, type Blogger } from './helpers.js';

describe('microblog contract', () => {
  let agora: Agora;
  let ann: Blogger;
  let bob: Blogger;
  let cat: Blogger;

  beforeAll(async () => {
    agora = await testApp({ MICROBLOG_MEDIA_MAX_BYTES: '4096' });
    [ann, bob, cat] = [await blogger(agora), await blogger(agora), await blogger(agora)];
  });
  afterAll(async () => agora.app.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, who?: Blogger, payload?: object) =>
    agora.app.inject({ method, url: `${API}${url}`, headers: who?.headers, ...(payload ? { payload } : {}) });
  const tweet = async (who: Blogger, text: string, media?: number[]) => {
    const res = await call('POST', '/tweets', who, { tweet_data: text, ...(media ? { tweet_media_ids: media } : {}) });
    expect(res.statusCode).toBe(201);
    return res.json().tweet_id as number;
  };
  const upload = (who: Blogger | undefined, body: Buffer, name = 'pic.png') => {
    const mp = multipart(body, name);
    return agora.app.inject({
      method: 'POST',
      url: `${API}/medias`,
      payload: mp.payload,
      headers: { ...mp.headers, ...(who?.headers ?? {}) },
    });
  };
  const feed = async (who: Blogger, query = '') => {
    const res = await call('GET', `/tweets${query}`, who);
    expect(res.statusCode).toBe(200);
    return res.json().tweets as { id: number; likes: { user_id: number }[]; attachments: string[] }[];
  };

  it('posts a tweet: 201 {result: true, tweet_id: number}', async () => {
    const res = await call('POST', '/tweets', ann, { tweet_data: '  hello world  ' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ result: true, tweet_id: expect.any(Number) });
  });

  it('401 in the envelope without a key and with a wrong key', async () => {
    for (const headers of [{}, { 'api-key': 'nope' }, { 'api-key': '' }]) {
      const res = await agora.app.inject({ url: `${API}/tweets`, headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(failure);
    }
    const bearerOnly = await agora.app.inject({ url: `${API}/users/me`, headers: { authorization: 'Bearer x' } });
    expect(bearerOnly.statusCode).toBe(401);
  });

  it('the envelope on every non-2xx: validation 422, malformed JSON 400, unknown route 404', async () => {
    const cases = [
      await call('POST', '/tweets', ann, {}),
      await call('POST', '/tweets', ann, { tweet_data: 5 }),
      await call('POST', '/tweets', ann, { tweet_data: '   ' }),
      await call('POST', '/tweets', ann, { tweet_data: 'x'.repeat(281) }),
      await call('GET', '/tweets?offset=0', ann),
      await call('GET', '/tweets?limit=0', ann),
      await call('GET', '/tweets?limit=abc', ann),
      await call('DELETE', '/tweets/abc', ann),
    ];
    for (const res of cases) {
      expect(res.statusCode).toBe(422);
      expect(res.json()).toEqual(failure);
    }
    const bad = await agora.app.inject({
      method: 'POST',
      url: `${API}/tweets`,
      headers: { ...ann.headers, 'content-type': 'application/json' },
      payload: '{oops',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual(failure);
    const missing = await call('GET', '/nowhere', ann);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual(failure);
    expect((await call('GET', '/tweets', ann)).json().result).toBe(true);
  });

  it('accepts 280 characters after trimming', async () => {
    await tweet(ann, ` ${'y'.repeat(280)} `);
  });

  it('counts characters, not UTF-16 units: 200 and 280 emoji accepted, 281 rejected with 422', async () => {
    await tweet(ann, '😀'.repeat(200));
    await tweet(ann, '👍'.repeat(280));
    const res = await call('POST', '/tweets', ann, { tweet_data: '😀'.repeat(281) });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual(failure);
  });

  it('tweet_media_ids must be a JSON array of integers: no coercion of strings, booleans or scalars (422)', async () => {
    const media = (await upload(ann, PNG)).json().media_id as number;
    for (const ids of [String(media), media, [String(media)], [true], [1.5], null, { 0: media }]) {
      const res = await call('POST', '/tweets', ann, { tweet_data: 'typed', tweet_media_ids: ids });
      expect(res.statusCode, JSON.stringify(ids)).toBe(422);
      expect(res.json()).toEqual(failure);
    }
    await tweet(ann, 'typed', [media]);
  });

  it('deletes own tweet 200; someone else’s 403; missing 404', async () => {
    const id = await tweet(ann, 'to delete');
    expect((await call('DELETE', `/tweets/${id}`, bob)).statusCode).toBe(403);
    expect((await call('DELETE', `/tweets/${id}`, bob)).json()).toEqual(failure);
    const ok = await call('DELETE', `/tweets/${id}`, ann);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ result: true });
    expect((await call('DELETE', `/tweets/${id}`, ann)).statusCode).toBe(404);
  });

  it('likes are idempotent: 201 then 200, count once; unlike 200 even when not liked; unknown tweet 404', async () => {
    const id = await tweet(bob, 'like me');
    expect((await call('POST', `/tweets/${id}/likes`, ann)).statusCode).toBe(201);
    const again = await call('POST', `/tweets/${id}/likes`, ann);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ result: true });
    const { like_count } = await likeCount(id);
    expect(like_count).toBe(1);
    expect((await call('DELETE', `/tweets/${id}/likes`, ann)).statusCode).toBe(200);
    expect((await call('DELETE', `/tweets/${id}/likes`, ann)).statusCode).toBe(200);
    expect((await likeCount(id)).like_count).toBe(0);
    expect((await call('POST', `/tweets/999999999/likes`, ann)).statusCode).toBe(404);
  });

  it('a double-click race of likes and follows never double-counts', async () => {
    const id = await tweet(bob, 'race');
    const likes = await Promise.all(Array.from({ length: 6 }, () => call('POST', `/tweets/${id}/likes`, cat)));
    expect(likes.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect((await likeCount(id)).like_count).toBe(1);
    const fresh = await blogger(agora);
    const follows = await Promise.all(Array.from({ length: 4 }, () => call('POST', `/users/${bob.id}/follow`, fresh)));
    expect(follows.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 201]);
  });

  it('follow: 201 then 200; self 400; unknown 404; unfollow 200 (also when not following)', async () => {
    const x = await blogger(agora);
    const y = await blogger(agora);
    expect((await call('POST', `/users/${y.id}/follow`, x)).statusCode).toBe(201);
    expect((await call('POST', `/users/${y.id}/follow`, x)).statusCode).toBe(200);
    const self = await call('POST', `/users/${x.id}/follow`, x);
    expect(self.statusCode).toBe(400);
    expect(self.json()).toEqual(failure);
    expect((await call('POST', '/users/999999999/follow', x)).statusCode).toBe(404);
    expect((await call('DELETE', '/users/999999999/follow', x)).statusCode).toBe(404);
    expect((await call('DELETE', `/users/${y.id}/follow`, x)).statusCode).toBe(200);
    expect((await call('DELETE', `/users/${y.id}/follow`, x)).statusCode).toBe(200);
  });

  it('profiles: numeric ids, followers are who follow me, following are whom I follow; unknown 404', async () => {
    const x = await blogger(agora);
    const y = await blogger(agora);
    await call('POST', `/users/${y.id}/follow`, x);
    const me = (await call('GET', '/users/me', x)).json();
    expect(me).toEqual({
      result: true,
      user: { id: x.id, name: x.name, followers: [], following: [{ id: y.id, name: y.name }] },
    });
    expect(typeof me.user.id).toBe('number');
    const other = (await call('GET', `/users/${y.id}`, x)).json();
    expect(other.user.followers).toEqual([{ id: x.id, name: x.name }]);
    expect(other.user.following).toEqual([]);
    const unknown = await call('GET', '/users/999999999', x);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual(failure);
  });

  it('a renamed identity account shows its new name in the microblog', async () => {
    const x = await blogger(agora);
    expect((await call('GET', '/users/me', x)).json().user.name).toBe(x.name);
    const account = await agora.identity.service.getUserByUsername(x.name);
    const renamed = `${x.name}r`;
    await agora.identity.service.updateProfile(account!.id, { username: renamed });
    expect((await call('GET', '/users/me', x)).json().user).toMatchObject({ id: x.id, name: renamed });
  });

  it('others see a renamed account’s new name before it calls the microblog again (identity.user.renamed)', async () => {
    const x = await blogger(agora);
    const fan = await blogger(agora);
    await call('POST', `/users/${x.id}/follow`, fan);
    const account = await agora.identity.service.getUserByUsername(x.name);
    const renamed = `${x.name}n`;
    await agora.identity.service.updateProfile(account!.id, { username: renamed });
    const seen = async () => (await call('GET', '/users/me', fan)).json().user.following[0]?.name;
    expect(await seen()).toBe(x.name); // nothing delivered yet: the event waits in the outbox
    const stop = agora.startWorkers();
    try {
      for (let i = 0; i < 100 && (await seen()) !== renamed; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await seen()).toBe(renamed);
      expect((await call('GET', `/users/${x.id}`, fan)).json().user.name).toBe(renamed);
    } finally {
      await stop();
    }
  });

  it('feed: own and followed tweets only, likes desc then newest, 1-based pages, tweet shape', async () => {
    const r = await blogger(agora);
    const f = await blogger(agora);
    const stranger = await blogger(agora);
    await call('POST', `/users/${f.id}/follow`, r);
    const old = await tweet(f, 'old, no likes');
    const mine = await tweet(r, 'mine, one like');
    const popular = await tweet(f, 'popular');
    const newest = await tweet(f, 'newest, no likes');
    await tweet(stranger, 'not followed');
    await call('POST', `/tweets/${popular}/likes`, r);
    await call('POST', `/tweets/${popular}/likes`, stranger);
    await call('POST', `/tweets/${mine}/likes`, f);

    const all = await feed(r);
    expect(all.map((t) => t.id)).toEqual([popular, mine, newest, old]);
    const top = all[0]!;
    expect(top).toEqual({
      id: popular,
      content: 'popular',
      attachments: [],
      author: { id: f.id, name: f.name },
      likes: [
        { user_id: r.id, name: r.name },
        { user_id: stranger.id, name: stranger.name },
      ],
      stamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
    expect((await feed(r, '?offset=1&limit=2')).map((t) => t.id)).toEqual([popular, mine]);
    expect((await feed(r, '?offset=2&limit=2')).map((t) => t.id)).toEqual([newest, old]);
    expect(await feed(r, '?offset=3&limit=2')).toEqual([]);
  });

  it('media: images only (from the bytes), size limit 413, auth required', async () => {
    const ok = await upload(ann, PNG);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({ result: true, media_id: expect.any(Number) });
    const pdf = await upload(ann, PDF, 'fake.png');
    expect(pdf.statusCode).toBe(415);
    expect(pdf.json()).toEqual(failure);
    const big = await upload(ann, bigPng(8192));
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual(failure);
    expect((await upload(undefined, PNG)).statusCode).toBe(401);
  });

  it('tweet_media_ids: attached and served (200, content type, immutable, ETag); rules 400/404; delete removes blobs', async () => {
    const m1 = (await upload(ann, PNG)).json().media_id;
    const m2 = (await upload(ann, Buffer.concat([PNG, Buffer.from('x')]))).json().media_id;
    const bobs = (await upload(bob, PNG)).json().media_id;
    expect((await call('POST', '/tweets', ann, { tweet_data: 'x', tweet_media_ids: [bobs] })).statusCode).toBe(404);
    expect((await call('POST', '/tweets', ann, { tweet_data: 'x', tweet_media_ids: [987654321] })).statusCode).toBe(
      404,
    );
    expect((await call('POST', '/tweets', ann, { tweet_data: 'x', tweet_media_ids: [m1, m1] })).statusCode).toBe(400);
    // The contract's words: more than 10 is 400, an id that is no media of the caller (0, negative) 404.
    const eleven = Array.from({ length: 11 }, (_, i) => i + 1);
    const tooMany = await call('POST', '/tweets', ann, { tweet_data: 'x', tweet_media_ids: eleven });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toEqual(failure);
    for (const ids of [[0], [-1], [1e20]])
      expect((await call('POST', '/tweets', ann, { tweet_data: 'x', tweet_media_ids: ids })).statusCode).toBe(404);

    const id = await tweet(ann, 'with pictures', [m1, m2]);
    const reuse = await call('POST', '/tweets', ann, { tweet_data: 'again', tweet_media_ids: [m1] });
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json()).toEqual(failure);

    const t = (await feed(ann)).find((x) => x.id === id)!;
    expect(t.attachments).toHaveLength(2);
    const paths: string[] = [];
    for (const url of t.attachments) {
      // At the root by default, so that the same URL loads directly and through the course's /api/ proxy.
      expect(url).toMatch(/^\/api\/medias\/[0-9a-f]{64}\.png$/);
      const res = await agora.app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect((await agora.app.inject({ url: `/microblog${url}` })).statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers['cache-control']).toContain('immutable');
      const etag = res.headers.etag as string;
      expect((await agora.app.inject({ url, headers: { 'if-none-match': etag } })).statusCode).toBe(304);
      paths.push(url);
    }
    const files = await agora.ctx.database.db.execute(
      `select f.path_in_storage from files.files f join microblog.medias m on m.file_name = f.short_name where m.tweet_id = ${id}` as never,
    );
    const keys = (files as unknown as { rows: { path_in_storage: string }[] }).rows.map((r) => r.path_in_storage);
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(existsSync(join(agora.ctx.config.DATA_DIR, 'files', k))).toBe(true);

    expect((await call('DELETE', `/tweets/${id}`, ann)).statusCode).toBe(200);
    for (const k of keys) expect(existsSync(join(agora.ctx.config.DATA_DIR, 'files', k))).toBe(false);
    // m1's bytes are also bob's upload (same content address): still served; m2's are gone.
    expect((await agora.app.inject({ url: paths[0]! })).statusCode).toBe(200);
    expect((await agora.app.inject({ url: paths[1]! })).statusCode).toBe(404);
  });

  it('an attachment whose file vanished from storage answers 404 in the envelope, never 500', async () => {
    const m = (await upload(ann, Buffer.concat([PNG, Buffer.from('vanish')]))).json().media_id;
    const id = await tweet(ann, 'soon broken', [m]);
    const [url] = (await feed(ann)).find((x) => x.id === id)!.attachments;
    const res = await agora.ctx.database.db.execute(
      `select f.path_in_storage as key from files.files f join microblog.medias m on m.file_name = f.short_name where m.id = ${m}` as never,
    );
    rmSync(join(agora.ctx.config.DATA_DIR, 'files', (res as unknown as { rows: { key: string }[] }).rows[0]!.key));
    const img = await agora.app.inject({ url: url! });
    expect(img.statusCode).toBe(404);
    expect(img.json()).toEqual(failure);
  });

  it('media files are written through the microblog only: its owner gets 403 from the files API', async () => {
    const m = (await upload(ann, Buffer.concat([PNG, Buffer.from('mine')]))).json().media_id;
    const res = await agora.ctx.database.db.execute(`select file_name from microblog.medias where id = ${m}` as never);
    const shortName = (res as unknown as { rows: { file_name: string }[] }).rows[0]!.file_name;
    const del = await agora.app.inject({
      method: 'DELETE',
      url: `/files/api/v1/files/${shortName}`,
      headers: ann.headers,
    });
    expect(del.statusCode).toBe(403);
    expect((await call('POST', '/tweets', ann, { tweet_data: 'still there', tweet_media_ids: [m] })).statusCode).toBe(
      201,
    );
  });

  it('counts tweets, likes and follows (repeats not counted) and times the feed', async () => {
    const registry = agora.ctx.metrics.registry;
    // A counter's total, or a histogram's number of observations.
    const value = async (name: string) =>
      (await registry.getSingleMetric(name)!.get()).values
        .filter((v) => [undefined, `${name}_count`].includes((v as { metricName?: string }).metricName))
        .reduce((sum, v) => sum + v.value, 0);
    const names = ['microblog_tweets_total', 'microblog_likes_total', 'microblog_follows_total'];
    const before = await Promise.all(names.map(value));
    const feedsBefore = await value('microblog_feed_duration_seconds');
    const x = await blogger(agora);
    const id = await tweet(x, 'counted');
    await call('POST', `/tweets/${id}/likes`, bob);
    await call('POST', `/tweets/${id}/likes`, bob);
    await call('POST', `/users/${x.id}/follow`, bob);
    await call('POST', `/users/${x.id}/follow`, bob);
    await feed(x);
    expect(await Promise.all(names.map(value))).toEqual(before.map((n) => n + 1));
    expect(await value('microblog_feed_duration_seconds')).toBe(feedsBefore + 1);
    expect((await agora.app.inject({ url: '/metrics' })).body).toContain('microblog_feed_duration_seconds_bucket');
  });

  async function likeCount(id: number) {
    const res = await agora.ctx.database.db.execute(
      `select like_count from microblog.tweets where id = ${id}` as never,
    );
    return (res as unknown as { rows: { like_count: number }[] }).rows[0]!;
  }
});
