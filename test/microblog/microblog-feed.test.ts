import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { API, blogger, failure, type Blogger } from './helpers.js';

interface FeedPage {
  result: true;
  tweets: { id: number; content: string }[];
  next_cursor: string | null;
}

describe('microblog feed: page depth cap and keyset cursor', () => {
  let agora: Agora;
  let reader: Blogger;
  let all: number[];

  beforeAll(async () => {
    agora = await testApp({ MICROBLOG_FEED_MAX_OFFSET: '4' });
    reader = await blogger(agora);
    const friend = await blogger(agora);
    await agora.app.inject({ method: 'POST', url: `${API}/users/${friend.id}/follow`, headers: reader.headers });
    // Nine tweets with ties in every key: equal like counts, and equal creation times to the microsecond, so
    // that the id decides; one time with microseconds a millisecond clock would lose.
    const { db } = agora.ctx.database;
    await db.execute(sql`
      insert into microblog.tweets (author_id, content, like_count, created_at)
      select case when g % 2 = 0 then ${reader.id}::bigint else ${friend.id}::bigint end, 'feed ' || g,
        case when g <= 3 then 5 else 0 end,
        case when g in (4, 5, 6) then timestamptz '2026-01-01 00:00:00.123456+00'
             else timestamptz '2026-01-01 00:00:00+00' + g * interval '1 microsecond' end
      from generate_series(1, 9) g`);
    const res = await agora.app.inject({ url: `${API}/tweets?limit=100`, headers: reader.headers });
    all = (res.json() as FeedPage).tweets.map((t) => t.id);
    expect(all).toHaveLength(9);
  });
  afterAll(async () => agora.app.close());

  const get = (query: string) => agora.app.inject({ url: `${API}/tweets${query}`, headers: reader.headers });

  it('refuses pages deeper than MICROBLOG_FEED_MAX_OFFSET tweets with 400 in the envelope', async () => {
    expect((await get('?offset=3&limit=2')).statusCode).toBe(200); // skips 4
    const deep = await get('?offset=4&limit=2'); // would skip 6
    expect(deep.statusCode).toBe(400);
    expect(deep.json()).toEqual({ ...failure, error_type: 'BadRequest' });
    expect(deep.json().error_message).toMatch(/next_cursor/);
    expect((await get('?offset=2&limit=4')).statusCode).toBe(200); // skips 4
    expect((await get('?offset=2&limit=5')).statusCode).toBe(400); // skips 5
  });

  it('walks the whole feed by cursor, past the depth cap, in feed order without repeats', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json() as FeedPage;
      expect(page.result).toBe(true);
      seen.push(...page.tweets.map((t) => t.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toEqual(all);
    expect(pages).toBe(5);
  });

  it('gives the page-number form a cursor too: page 2 continues where page 1 ends', async () => {
    const first = (await get('?offset=1&limit=3')).json() as FeedPage;
    expect(first.tweets.map((t) => t.id)).toEqual(all.slice(0, 3));
    const next = (await get(`?limit=3&cursor=${first.next_cursor}`)).json() as FeedPage;
    expect(next.tweets.map((t) => t.id)).toEqual(all.slice(3, 6));
    const last = (await get('?offset=1&limit=10')).json() as FeedPage;
    expect(last.next_cursor).toBeNull();
  });

  it('answers 422 to a cursor it did not give and to a cursor with an offset', async () => {
    for (const bad of ['x', 'WzEsMl0', Buffer.from('[1,"2026-01-01T00:00:00Z",1]').toString('base64url')]) {
      const res = await get(`?cursor=${bad}`);
      expect([res.statusCode, res.json()], bad).toEqual([422, failure]);
    }
    const first = (await get('?limit=2')).json() as FeedPage;
    const both = await get(`?offset=2&cursor=${first.next_cursor}`);
    expect([both.statusCode, both.json()]).toEqual([422, failure]);
  });
});
