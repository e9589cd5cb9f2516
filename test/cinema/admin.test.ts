import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { multipart, PNG } from '../files/fixtures.js';
import { API, loadShipped, MISSING, viewer, type Viewer } from './helpers.js';

describe('cinema administration', () => {
  let agora: Agora;
  let manager: Viewer;
  let user: Viewer;
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, who?: Viewer, payload?: unknown) =>
    agora.app.inject({ method, url: `${API}${url}`, headers: who?.headers, ...(payload ? { payload } : {}) });
  const ids = async (url: string) => (await call('GET', url)).json<{ id: string }[]>().map((f) => f.id);

  beforeAll(async () => {
    agora = await testApp();
    await loadShipped(agora);
    manager = await viewer(agora, ['cinema.manage']);
    user = await viewer(agora);
  });
  afterAll(async () => agora.app.close());

  it('needs a bearer token (401) with the cinema.manage permission (403)', async () => {
    const body = { name: 'Noir' };
    expect((await call('POST', '/admin/genres/', undefined, body)).statusCode).toBe(401);
    const refused = await call('POST', '/admin/genres/', user, body);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ detail: 'The cinema.manage permission is required' });
    expect((await call('GET', `/admin/films/${MISSING}`, user)).statusCode).toBe(403);
    expect((await call('POST', '/admin/genres/', manager, body)).statusCode).toBe(201);
  });

  it('creates, changes and deletes a film: lists, details and search follow at once (cached before)', async () => {
    const genre = (await call('POST', '/admin/genres/', manager, { name: 'Zorbcore', description: 'd' })).json();
    expect(await ids('/films/search?query=zorblax')).toEqual([]); // cached empty answer
    expect((await call('GET', '/films/?page_size=1')).json()[0].imdb_rating).toBeLessThan(10); // cached top

    const created = await call('POST', '/admin/films/', manager, {
      title: 'The Zorblax Affair',
      description: 'A quiet heist',
      creation_date: '2020-05-01',
      rating: 100,
      type: 'tv_show',
      genres: [genre.id],
    });
    expect(created.statusCode).toBe(201);
    const film = created.json();
    expect(film).toEqual({
      id: expect.any(String),
      title: 'The Zorblax Affair',
      description: 'A quiet heist',
      creation_date: '2020-05-01',
      rating: 100,
      type: 'tv_show',
      file: null,
      genres: [genre.id],
      persons: [],
    });
    expect(await ids('/films/search?query=zorblax')).toEqual([film.id]);
    expect(await ids('/films/search?query=zorblx afair')).toEqual([film.id]);
    expect((await call('GET', '/films/?page_size=1')).json()[0]).toMatchObject({ id: film.id, imdb_rating: 10 });
    expect(await ids(`/films/?genre=${genre.id}`)).toEqual([film.id]);
    expect((await call('GET', `/films/${film.id}`)).json()).toMatchObject({
      title: 'The Zorblax Affair',
      imdb_rating: 10,
      type: 'tv_show',
      creation_date: '2020-05-01',
      genres: [{ id: genre.id, name: 'Zorbcore' }],
    });

    const renamed = await call('PATCH', `/admin/films/${film.id}`, manager, { title: 'Quuxbridge', rating: 12.5 });
    expect(renamed.json()).toMatchObject({ title: 'Quuxbridge', rating: 12.5, genres: [genre.id] });
    expect(await ids('/films/search?query=zorblax')).toEqual([]);
    expect(await ids('/films/search?query=quuxbridge')).toEqual([film.id]);
    expect((await call('GET', `/films/${film.id}`)).json()).toMatchObject({ title: 'Quuxbridge', imdb_rating: 1.25 });
    expect(await ids(`/films/?genre=${genre.id}&sort=imdb_rating`)).toEqual([film.id]);

    await call('PATCH', `/admin/genres/${genre.id}`, manager, { name: 'Zorbwave' });
    expect((await call('GET', `/genres/${genre.id}`)).json().name).toBe('Zorbwave');
    expect((await call('GET', `/films/${film.id}`)).json().genres).toEqual([{ id: genre.id, name: 'Zorbwave' }]);

    expect((await call('DELETE', `/admin/films/${film.id}`, manager)).statusCode).toBe(204);
    expect((await call('GET', `/films/${film.id}`)).statusCode).toBe(404);
    expect(await ids('/films/search?query=quuxbridge')).toEqual([]);
    expect((await call('DELETE', `/admin/films/${film.id}`, manager)).statusCode).toBe(404);
    expect((await call('DELETE', `/admin/genres/${genre.id}`, manager)).statusCode).toBe(204);
    expect((await call('GET', `/genres/${genre.id}`)).statusCode).toBe(404);
  });

  it('links persons to films by role; names are searchable at once, also after a rename', async () => {
    const film = (await call('POST', '/admin/films/', manager, { title: 'Vexmoor' })).json();
    const person = await call('POST', '/admin/persons/', manager, { full_name: 'Ottilie Brackenridge', gender: 'f' });
    expect(person.statusCode).toBe(201);
    const p = person.json();
    expect(p).toEqual({ id: expect.any(String), full_name: 'Ottilie Brackenridge', gender: 'f' });
    expect(await ids('/films/search?query=brackenridge')).toEqual([]);

    const linked = await call('POST', `/admin/films/${film.id}/persons`, manager, {
      person_id: p.id,
      role: 'director',
    });
    expect(linked.statusCode).toBe(201);
    expect(linked.json().persons).toEqual([{ person_id: p.id, role: 'director' }]);
    await call('POST', `/admin/films/${film.id}/persons`, manager, { person_id: p.id, role: 'writer' });
    expect((await call('GET', `/films/${film.id}`)).json()).toMatchObject({
      directors: [{ id: p.id, full_name: 'Ottilie Brackenridge' }],
      writers: [{ id: p.id, full_name: 'Ottilie Brackenridge' }],
      actors: [],
    });
    expect((await call('GET', `/persons/${p.id}`)).json().films).toEqual([
      { uuid: film.id, roles: ['director', 'writer'] },
    ]);
    expect(await ids('/films/search?query=brakenridge')).toEqual([film.id]);
    expect(await ids('/persons/search?query=ottilie')).toEqual([p.id]);

    await call('PATCH', `/admin/persons/${p.id}`, manager, { full_name: 'Ottilie Fairweather' });
    expect(await ids('/films/search?query=brackenridge')).toEqual([]);
    expect(await ids('/films/search?query=fairweather')).toEqual([film.id]);
    expect((await call('GET', `/films/${film.id}`)).json().directors[0].full_name).toBe('Ottilie Fairweather');

    const unlink = `/admin/films/${film.id}/persons/${p.id}?role=director`;
    expect((await call('DELETE', unlink, manager)).statusCode).toBe(204);
    expect((await call('DELETE', unlink, manager)).statusCode).toBe(404);
    expect((await call('GET', `/films/${film.id}`)).json().directors).toEqual([]);

    expect((await call('DELETE', `/admin/persons/${p.id}`, manager)).statusCode).toBe(204);
    expect(await ids('/films/search?query=fairweather')).toEqual([]);
    expect((await call('GET', `/persons/${p.id}`)).statusCode).toBe(404);
    expect((await call('GET', `/admin/persons/${p.id}`, manager)).statusCode).toBe(404);
  });

  it('validates: 422 for bad fields and unknown references, 404 for unknown targets', async () => {
    const film = (await call('POST', '/admin/films/', manager, { title: 'Valid' })).json();
    for (const body of [
      { title: '' },
      { title: 'x', rating: 101 },
      { title: 'x', type: 'series' },
      { title: 'x', creation_date: 'yesterday' },
      { title: 'x', genres: [MISSING] },
      { title: 'x', file: 'no-such-file' },
    ]) {
      const res = await call('POST', '/admin/films/', manager, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().detail[0].loc[0]).toBe('body');
    }
    const patch404 = await call('PATCH', `/admin/films/${MISSING}`, manager, { title: 'x' });
    expect(patch404.statusCode).toBe(404);
    expect(patch404.json()).toEqual({ detail: 'film not found' });
    const link = (person: string, role = 'actor') =>
      call('POST', `/admin/films/${film.id}/persons`, manager, { person_id: person, role });
    expect((await link(MISSING)).json()).toEqual({ detail: 'person not found' });
    const p = (await call('POST', '/admin/persons/', manager, { full_name: 'Somebody' })).json();
    expect((await link(p.id, 'producer')).statusCode).toBe(422);
    expect((await call('PATCH', `/admin/genres/${MISSING}`, manager, { name: 'x' })).statusCode).toBe(404);
    expect((await call('PATCH', `/admin/persons/${MISSING}`, manager, { full_name: 'x' })).statusCode).toBe(404);
  });

  it("returns a film's file as a signed download URL that works", async () => {
    const mp = multipart(PNG, 'trailer.png');
    const up = await agora.app.inject({
      method: 'POST',
      url: '/files/api/v1/files/',
      payload: mp.payload,
      headers: { ...mp.headers, ...manager.headers },
    });
    expect(up.statusCode).toBe(201);
    const shortName = up.json().short_name as string;
    const film = (await call('POST', '/admin/films/', manager, { title: 'With a file', file: shortName })).json();
    expect(film.file).toBe(shortName);
    const url = (await call('GET', `/films/${film.id}`)).json().file as string;
    expect(url).toMatch(new RegExp(`/files/api/v1/files/${shortName}\\?expires=\\d+&signature=`));
    const download = await agora.app.inject({ method: 'GET', url: url.replace(/^https?:\/\/[^/]+/, '') });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(PNG)).toBe(true);
  });
});
