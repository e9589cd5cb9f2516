import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { API, catalogue, loadShipped, MISSING, viewer, type Viewer } from './helpers.js';

describe('cinema user content', () => {
  let agora: Agora;
  let ann: Viewer;
  let bob: Viewer;
  const films = [...catalogue.films].sort((a, b) => a.id.localeCompare(b.id));
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, who?: Viewer, payload?: unknown) =>
    agora.app.inject({
      method,
      url: `${API}${url}`,
      headers: { ...(who?.headers ?? {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });
  const filmOf = async (id: string, who?: Viewer) => (await call('GET', `/films/${id}`, who)).json();

  beforeAll(async () => {
    agora = await testApp();
    await loadShipped(agora);
    [ann, bob] = [await viewer(agora), await viewer(agora)];
  });
  afterAll(async () => agora.app.close());

  it('rates 0..10, keeps the aggregates, shows my_rating to the rater only, removes with null', async () => {
    const film = films[0]!.id;
    expect((await call('PATCH', `/films/rating/${film}`, undefined, 7)).statusCode).toBe(401);
    const anonymousBefore = await filmOf(film); // cached from here on
    expect(anonymousBefore).toMatchObject({ user_rating: 0, user_count: 0 });

    const rated = await call('PATCH', `/films/rating/${film}`, ann, 7);
    expect(rated.statusCode).toBe(200);
    expect(rated.json()).toEqual({ film_id: film, user_id: ann.id, rating: 7 });
    expect(await filmOf(film, ann)).toMatchObject({ user_rating: 7, user_count: 1, my_rating: 7 });
    expect(await filmOf(film)).toMatchObject({ user_rating: 7, user_count: 1, my_rating: null });

    await call('PATCH', `/films/rating/${film}`, bob, 4);
    await call('PATCH', `/films/rating/${film}`, ann, 8); // a change, not a second vote
    expect(await filmOf(film, bob)).toMatchObject({ user_rating: 6, user_count: 2, my_rating: 4 });
    const list = (await call('GET', `/films/?sort=imdb_rating&page_size=100`, ann)).json<{ id: string }[]>();
    expect(list.length).toBe(100);
    const mine = await call('GET', '/films/rating/me', ann);
    expect(mine.json()).toEqual({ [film]: 8 });

    expect((await call('PATCH', `/films/rating/${film}`, ann, null)).json()).toMatchObject({ rating: null });
    expect(await filmOf(film, ann)).toMatchObject({ user_rating: 4, user_count: 1, my_rating: null });
    expect((await call('GET', '/films/rating/me', ann)).json()).toEqual({});
  });

  it('refuses bad ratings and unknown films', async () => {
    for (const body of [11, -1, 2.5, '7', { rating: 7 }]) {
      const res = await call('PATCH', `/films/rating/${films[1]!.id}`, ann, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().detail[0].loc[0]).toBe('body');
    }
    const missing = await call('PATCH', `/films/rating/${MISSING}`, ann, 5);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'film not found' });
  });

  it('answers a PATCH without a body, or with one that is not JSON, with FastAPI’s 422; nothing changes', async () => {
    const film = films[6]!.id;
    const carl = await viewer(agora);
    const review = (await call('POST', `/films/reviews/${film}`, carl, { review: 'Fine' })).json().id as string;
    const raw = (url: string, headers: Record<string, string>, payload?: string) =>
      agora.app.inject({ method: 'PATCH', url: `${API}${url}`, headers: { ...ann.headers, ...headers }, payload });
    for (const url of [`/films/rating/${film}`, `/films/reviews/${review}`]) {
      const none = await raw(url, {});
      expect(none.statusCode, url).toBe(422);
      expect(none.json()).toEqual({ detail: [{ loc: ['body'], msg: 'Field required', type: 'missing' }] });
      const empty = await raw(url, { 'content-type': 'application/json' }, '');
      expect(empty.statusCode, url).toBe(422);
      expect(empty.json()).toEqual({ detail: [{ loc: ['body'], msg: 'Field required', type: 'missing' }] });
      const broken = await raw(url, { 'content-type': 'application/json' }, 'abc');
      expect(broken.statusCode, url).toBe(422);
      expect(broken.json()).toEqual({ detail: [{ loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' }] });
    }
    expect((await call('GET', '/films/rating/me', ann)).json()[film]).toBeUndefined();
    expect((await filmOf(film, ann)).user_count).toBe(0);
    expect((await call('GET', `/films/reviews/${film}`)).json()[0]).toMatchObject({ likes: 0, dislikes: 0 });
  });

  it('reviews once per user per film, with the user from the token', async () => {
    const film = films[2]!.id;
    const res = await call('POST', `/films/reviews/${film}`, ann, { review: 'Great', user_id: bob.id });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: expect.any(String),
      review: 'Great',
      user_id: ann.id,
      movie_id: film,
      created_at: expect.any(String),
      likes: 0,
      dislikes: 0,
    });
    const again = await call('POST', `/films/reviews/${film}`, ann, { review: 'Again' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ detail: 'review already exists' });
    expect((await call('POST', `/films/reviews/${MISSING}`, ann, { review: 'x' })).statusCode).toBe(404);
    expect((await call('POST', `/films/reviews/${film}`, ann, { review: '  ' })).statusCode).toBe(422);
    expect((await call('POST', `/films/reviews/${film}`, undefined, { review: 'x' })).statusCode).toBe(401);
    const mine = (await call('GET', '/films/reviews/user', ann)).json<{ id: string }[]>();
    expect(mine.map((r) => r.id)).toEqual([res.json().id]);
    expect((await call('GET', '/films/reviews/user', bob)).json()).toEqual([]);
    expect((await call('GET', `/films/reviews/${MISSING}`)).statusCode).toBe(404);
  });

  it('toggles reactions and shows them on the (cached) list at once', async () => {
    const film = films[3]!.id;
    const { id } = (await call('POST', `/films/reviews/${film}`, ann, { review: 'Fine' })).json();
    const list = async () =>
      (await call('GET', `/films/reviews/${film}`)).json<{ likes: number; dislikes: number }[]>();
    expect((await list())[0]).toMatchObject({ likes: 0, dislikes: 0 });
    expect((await call('PATCH', `/films/reviews/${id}`, bob, true)).json()).toMatchObject({ likes: 1, dislikes: 0 });
    expect((await list())[0]).toMatchObject({ likes: 1, dislikes: 0 });
    expect((await call('PATCH', `/films/reviews/${id}`, bob, true)).json()).toMatchObject({ likes: 1, dislikes: 0 });
    expect((await call('PATCH', `/films/reviews/${id}`, bob, false)).json()).toMatchObject({ likes: 0, dislikes: 1 });
    expect((await call('PATCH', `/films/reviews/${id}`, ann, true)).json()).toMatchObject({ likes: 1, dislikes: 1 });
    expect((await list())[0]).toMatchObject({ likes: 1, dislikes: 1 });
    expect((await call('PATCH', `/films/reviews/${id}`, bob, null)).json()).toMatchObject({ likes: 1, dislikes: 0 });
    expect((await list())[0]).toMatchObject({ likes: 1, dislikes: 0 });
    expect((await call('PATCH', `/films/reviews/${MISSING}`, bob, true)).statusCode).toBe(404);
    expect((await call('PATCH', `/films/reviews/${id}`, bob, 'yes')).statusCode).toBe(422);
  });

  it('orders reviews by likes (most first), then dislikes (fewest first), newest first on ties', async () => {
    const film = films[4]!.id;
    const users = [ann, bob, await viewer(agora), await viewer(agora), await viewer(agora)];
    const ids: string[] = [];
    for (const u of users) {
      ids.push((await call('POST', `/films/reviews/${film}`, u, { review: `by ${u.id}` })).json().id);
    }
    const [early, liked, silent, disliked, newest] = ids as [string, string, string, string, string];
    const db = agora.ctx.database.db;
    const craft = async (review: string, agree: boolean, n: number) => {
      for (let i = 0; i < n; i++) {
        await db.execute(
          sql`insert into cinema.review_reactions (review_id, user_id, agree) values (${review}, ${randomUUID()}, ${agree})`,
        );
      }
    };
    // liked: 2 likes and 3 dislikes; early: 1 like, 0 dislikes — more likes wins, whatever the dislikes
    await craft(liked, true, 1);
    await craft(liked, false, 3);
    const last = await call('PATCH', `/films/reviews/${liked}`, ann, true);
    expect(last.json()).toMatchObject({ likes: 2, dislikes: 3 });
    await call('PATCH', `/films/reviews/${early}`, bob, true);
    await call('PATCH', `/films/reviews/${disliked}`, bob, false);
    const order = (await call('GET', `/films/reviews/${film}?page_size=10`)).json<{ id: string }[]>().map((r) => r.id);
    // liked (2/3) > early (1/0) > newest (0/0) and silent (0/0), newest first > disliked (0/1)
    expect(order).toEqual([liked, early, newest, silent, disliked]);
    const second = (await call('GET', `/films/reviews/${film}?page_size=2&page_number=2`)).json<{ id: string }[]>();
    expect(second.map((r) => r.id)).toEqual([newest, silent]);
  });

  it('bookmarks: 201, the existing one on a repeat, is_bookmarked for the owner, another user’s → 404', async () => {
    const film = films[5]!.id;
    const first = await call('POST', `/user/bookmarks/?film_id=${film}`, ann);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({
      id: expect.any(String),
      user_id: ann.id,
      movie_id: film,
      created_at: expect.any(String),
    });
    const repeat = await call('POST', `/user/bookmarks/?film_id=${film}`, ann);
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json().id).toBe(first.json().id);
    expect(await filmOf(film, ann)).toMatchObject({ is_bookmarked: true });
    expect(await filmOf(film, bob)).toMatchObject({ is_bookmarked: false });
    expect(await filmOf(film)).toMatchObject({ is_bookmarked: false });
    expect((await call('GET', '/user/bookmarks/', ann)).json()).toEqual([first.json()]);
    expect((await call('GET', '/user/bookmarks/', bob)).json()).toEqual([]);

    const stolen = await call('DELETE', `/user/bookmarks/${first.json().id}`, bob);
    expect(stolen.statusCode).toBe(404);
    expect(stolen.json()).toEqual({ detail: 'bookmark not found' });
    expect((await call('DELETE', `/user/bookmarks/${first.json().id}`, ann)).statusCode).toBe(204);
    expect(await filmOf(film, ann)).toMatchObject({ is_bookmarked: false });
    expect((await call('GET', '/user/bookmarks/', ann)).json()).toEqual([]);

    expect((await call('POST', `/user/bookmarks/?film_id=${MISSING}`, ann)).statusCode).toBe(404);
    expect((await call('POST', '/user/bookmarks/', ann)).statusCode).toBe(422);
    expect((await call('GET', '/user/bookmarks/')).statusCode).toBe(401);
  });
});
