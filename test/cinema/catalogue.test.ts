import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { API, catalogue, loadShipped, MISSING } from './helpers.js';

describe('cinema catalogue (the shipped data)', () => {
  let agora: Agora;
  const get = (url: string, headers: Record<string, string> = {}) =>
    agora.app.inject({ method: 'GET', url: `${API}${url}`, headers });

  beforeAll(async () => {
    agora = await testApp();
    await loadShipped(agora);
  });
  afterAll(async () => agora.app.close());

  const byRating = [...catalogue.films].sort((a, b) => (b.rating ?? -1) - (a.rating ?? -1) || a.id.localeCompare(b.id));

  it('lists films by IMDb rating for anonymous callers, with the Film shape and Cache-Control', async () => {
    const res = await get('/films/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('max-age=300');
    const films = res.json<{ id: string }[]>();
    expect(films).toHaveLength(10);
    expect(films.map((f) => f.id)).toEqual(byRating.slice(0, 10).map((f) => f.id));
    expect(films[0]).toEqual({
      id: byRating[0]!.id,
      title: byRating[0]!.title,
      imdb_rating: byRating[0]!.rating,
      user_rating: 0,
      user_count: 0,
      my_rating: null,
      is_bookmarked: false,
    });
  });

  it('sorts ascending, pages, and filters by genre', async () => {
    const asc = (await get('/films/?sort=imdb_rating&page_size=5&page_number=2')).json<{ id: string }[]>();
    const ascending = [...catalogue.films].sort(
      (a, b) => (a.rating ?? 99) - (b.rating ?? 99) || a.id.localeCompare(b.id),
    );
    expect(asc.map((f) => f.id)).toEqual(ascending.slice(5, 10).map((f) => f.id));

    const genre = catalogue.genres.find((g) => g.name === 'Action')!;
    const inGenre = new Set(catalogue.film_genres.filter(([, g]) => g === genre.id).map(([f]) => f));
    const page = (await get(`/films/?genre=${genre.id}&page_size=100`)).json<{ id: string }[]>();
    expect(page).toHaveLength(Math.min(100, inGenre.size));
    expect(page.every((f) => inGenre.has(f.id))).toBe(true);
    expect(page.map((f) => f.id)).toEqual(
      byRating
        .filter((f) => inGenre.has(f.id))
        .slice(0, 100)
        .map((f) => f.id),
    );
    expect((await get(`/films/?genre=${MISSING}`)).json()).toEqual([]);
  });

  it('answers 422 in FastAPI form for out-of-range pages, bad sorts and malformed uuids', async () => {
    for (const [url, loc] of [
      ['/films/?page_size=0', ['query', 'page_size']],
      ['/films/?page_size=101', ['query', 'page_size']],
      ['/films/?page_number=0', ['query', 'page_number']],
      ['/films/?page_number=abc', ['query', 'page_number']],
      ['/films/?sort=title', ['query', 'sort']],
      ['/films/?genre=nope', ['query', 'genre']],
      ['/films/?page_number=1001&page_size=10', ['query', 'page_number']],
      ['/films/not-a-uuid', ['path', 'film_id']],
      ['/genres/not-a-uuid', ['path', 'genre_id']],
      ['/persons/not-a-uuid', ['path', 'person_id']],
      ['/films/search?query=ab', ['query', 'query']],
      ['/persons/search?query=ab', ['query', 'query']],
    ] as const) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(422);
      const { detail } = res.json<{ detail: { loc: string[]; msg: string; type: string }[] }>();
      expect(detail[0]!.loc, url).toEqual(loc);
      expect(detail[0]!.msg).toEqual(expect.any(String));
      expect(detail[0]!.type).toEqual(expect.any(String));
    }
  });

  it('shows a film with genres and persons by role; 404 {"detail": "film not found"}', async () => {
    const [filmId] = catalogue.film_persons.find(([, , role]) => role === 'director')!;
    const film = catalogue.films.find((f) => f.id === filmId)!;
    const res = await get(`/films/${filmId}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const names = new Map(catalogue.persons.map((p) => [p.id, p.full_name]));
    const role = (r: string) =>
      catalogue.film_persons
        .filter(([f, , x]) => f === filmId && x === r)
        .map(([, p]) => ({ id: p, full_name: names.get(p) }))
        .sort((a, b) => a.full_name!.localeCompare(b.full_name!) || a.id.localeCompare(b.id));
    expect(body).toMatchObject({
      id: film.id,
      title: film.title,
      imdb_rating: film.rating,
      description: film.description,
      creation_date: null,
      type: 'movie',
      file: null,
      my_rating: null,
      is_bookmarked: false,
    });
    expect(body.directors).toEqual(role('director'));
    expect([...body.actors].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      role('actor').sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(body.writers).toHaveLength(role('writer').length);
    const genreIds = catalogue.film_genres.filter(([f]) => f === filmId).map(([, g]) => g);
    expect(body.genres.map((g: { id: string }) => g.id).sort()).toEqual(genreIds.sort());

    const missing = await get(`/films/${MISSING}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'film not found' });
  });

  it('lists genres and shows one; 404 genre not found', async () => {
    const all = (await get('/genres/')).json<{ id: string; name: string; description: null }[]>();
    expect(all).toHaveLength(catalogue.genres.length);
    const g = catalogue.genres[0]!;
    expect((await get(`/genres/${g.id}`)).json()).toEqual({ id: g.id, name: g.name, description: g.description });
    const missing = await get(`/genres/${MISSING}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'genre not found' });
  });

  it("shows a person with films and roles (uuid, as in the seed), and the person's films", async () => {
    const counts = new Map<string, number>();
    for (const [, p] of catalogue.film_persons) counts.set(p, (counts.get(p) ?? 0) + 1);
    const personId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const links = catalogue.film_persons.filter(([, p]) => p === personId);
    const res = await get(`/persons/${personId}`);
    expect(res.statusCode).toBe(200);
    const person = res.json<{ id: string; full_name: string; films: { uuid: string; roles: string[] }[] }>();
    expect(person.full_name).toBe(catalogue.persons.find((p) => p.id === personId)!.full_name);
    const expected = new Map<string, string[]>();
    for (const [f, , r] of links) expected.set(f, [...(expected.get(f) ?? []), r].sort());
    expect(person.films).toHaveLength(expected.size);
    for (const f of person.films) expect(f.roles).toEqual(expected.get(f.uuid));

    const films = (await get(`/persons/${personId}/films`)).json<{ id: string; title: string }[]>();
    expect(films.map((f) => f.id).sort()).toEqual([...expected.keys()].sort());
    expect(films[0]).toHaveProperty('user_count', 0);

    for (const url of [`/persons/${MISSING}`, `/persons/${MISSING}/films`]) {
      const missing = await get(url);
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ detail: 'person not found' });
    }
  });

  it('a bad bearer token is refused; the seed loads twice without change', async () => {
    const res = await get('/films/', { authorization: 'Bearer nonsense' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: expect.any(String) });
    await loadShipped(agora);
    const count = await agora.ctx.database.db.execute('select count(*)::int as n from cinema.films' as never);
    expect((count as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(catalogue.films.length);
  });
});
