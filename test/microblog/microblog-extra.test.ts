import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { microblogRepository } from '../../src/modules/microblog/microblog.repository.js';
import { testApp } from '../helpers/app.js';
import { usingPostgres } from '../helpers/db.js';
import { blogger } from './helpers.js';

describe('microblog mounted at / (the course frontend without a proxy)', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp({ MOUNT_MICROBLOG: '/', MODULES: 'identity,files,microblog' });
  });
  afterAll(async () => agora.app.close());

  it('serves /api/... and the envelope for unknown paths', async () => {
    const user = await agora.identity.service.register({
      username: `root${Date.now()}`,
      password: 'pw-pw-pw-pw',
      email: null,
    });
    const { key } = await agora.identity.service.createApiKey(user.id, 't');
    const res = await agora.app.inject({
      method: 'POST',
      url: '/api/tweets',
      headers: { 'api-key': key },
      payload: { tweet_data: 'hi' },
    });
    expect(res.statusCode).toBe(201);
    const missing = await agora.app.inject({ url: '/whatever' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().result).toBe(false);
  });
});

describe('microblog demo seed and feed plan', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora.app.close());

  it('seed makes the api key "test" with a live feed, images included; a second run is a no-op', async () => {
    const mod = agora.modules.find((m) => m.name === 'microblog')!;
    const lines = await mod.seed!();
    expect(lines.join('\n')).toContain('"test"');
    expect(await mod.seed!()).toEqual([]);
    const res = await agora.app.inject({ url: '/microblog/api/tweets', headers: { 'api-key': 'test' } });
    expect(res.statusCode).toBe(200);
    const tweets = res.json().tweets as { attachments: string[]; likes: unknown[] }[];
    expect(tweets.length).toBeGreaterThan(2);
    const url = tweets.flatMap((t) => t.attachments)[0]!;
    const img = await agora.app.inject({ url });
    expect(img.statusCode).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    const me = (await agora.app.inject({ url: '/microblog/api/users/me', headers: { 'api-key': 'test' } })).json();
    expect(me.user.following.length).toBeGreaterThan(0);
    expect(me.user.followers.length).toBeGreaterThan(0);
  });

  it('the feed query walks the per-author index (no scan of all tweets, no count over likes)', async () => {
    const { db } = agora.ctx.database;
    const me = await blogger(agora);
    // 200 followed authors with 100 tweets each, so that the planner has a real choice to make.
    await db.execute(sql`
      with authors as (
        insert into microblog.profiles (user_id, name)
        select gen_random_uuid(), 'plan-' || g from generate_series(1, 200) g returning id
      ), f as (insert into microblog.follows (follower_id, followee_id) select ${me.id}, id from authors)
      insert into microblog.tweets (author_id, content, like_count)
      select a.id, 'tweet ' || g, (random() * 50)::int from authors a, generate_series(1, 100) g`);
    await db.execute(sql`analyze microblog.tweets`);
    await db.execute(sql`analyze microblog.follows`);
    const plan = await db.execute(sql`explain ${microblogRepository.feedQuery(me.id, 20, 0)}`);
    const text = (plan as unknown as { rows: Record<string, string>[] }).rows
      .map((r) => Object.values(r)[0])
      .join('\n');
    console.log(`feed plan (${usingPostgres() ? 'postgres' : 'pglite'}):\n${text}`);
    expect(text).toMatch(/Index (Only )?Scan using tweets_author_popular_idx/);
    expect(text).not.toMatch(/Seq Scan on tweets/);
    expect(text).not.toMatch(/likes/);

    // The cursor form starts each author's index scan at the cursor: the keyset is an index condition.
    const after = { likes: 25, stamp: new Date().toISOString().replace('Z', '000Z'), id: 1 };
    const keyset = await db.execute(sql`explain ${microblogRepository.feedQuery(me.id, 20, 0, after)}`);
    const keysetText = (keyset as unknown as { rows: Record<string, string>[] }).rows
      .map((r) => Object.values(r)[0])
      .join('\n');
    console.log(`feed plan, cursor form:\n${keysetText}`);
    expect(keysetText).toMatch(/Index (Only )?Scan using tweets_author_popular_idx/);
    expect(keysetText).toMatch(/Index Cond: \(\(author_id = .*\) AND \(ROW\(like_count, created_at, id\) </);
    expect(keysetText).not.toMatch(/Seq Scan on tweets/);
  });
});
