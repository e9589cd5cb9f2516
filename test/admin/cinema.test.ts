import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import { API, catalogue, loadShipped, MISSING, viewer, type Viewer } from '../cinema/helpers.js';
import { PanelClient, panelUser } from './helpers.js';

const P = '/admin/cinema';
const filmForm = (extra: Record<string, string> = {}) => ({
  title: 'Zorblax Nights',
  description: 'A quiet heist',
  creation_date: '2021-03-04',
  rating: '85',
  type: 'movie',
  file: '',
  genres: '',
  ...extra,
});
const idFrom = (location: unknown) => decodeURIComponent(/\/([^/]+)$/.exec(String(location))![1]!);
/** The record links of a list page, and its next page. */
const rowsOf = (html: string, resource: string) =>
  [...html.matchAll(new RegExp(`<td data-label="[^"]*"><a href="${P}/${resource}/([^"]+)">`, 'g'))].map((m) =>
    decodeURIComponent(m[1]!),
  );
const nextOf = (html: string) => /<a href="([^"]+)" rel="next">/.exec(html)?.[1]?.replace(/&amp;/g, '&');

describe('admin panel over the cinema: the catalogue administration’s rules, search and cache', () => {
  let agora: Agora;
  let browser: PanelClient;
  let fan: Viewer;
  const api = (url: string, who?: Viewer) => agora.app.inject({ url: `${API}${url}`, headers: who?.headers });
  const searchIds = async (q: string) =>
    (await api(`/films/search?query=${encodeURIComponent(q)}`)).json<{ id: string }[]>().map((f) => f.id);
  let auditor: PanelClient;
  const audited = async (filter: string) => (await auditor.get(`/admin/admin/audit?${filter}`)).body;

  beforeAll(async () => {
    agora = await testApp();
    await loadShipped(agora);
    const staff = await panelUser(agora, { permissions: ['admin.cinema'] });
    browser = new PanelClient(agora);
    await browser.signIn(staff.username, staff.password);
    fan = await viewer(agora);
    const su = await panelUser(agora, { superuser: true });
    auditor = new PanelClient(agora, '10.9.8.5');
    await auditor.signIn(su.username, su.password);
  });
  afterAll(async () => agora?.app.close());

  it('lists, searches and filters films; a film opens with its genres, people and reviews', async () => {
    const star = catalogue.films.find((f) => f.title === 'Star Wars: Episode IV - A New Hope')!;
    const same = catalogue.films.filter((f) => f.title.toLowerCase().includes('a new hope'));
    const list = await browser.get(`${P}/films?q=${encodeURIComponent('A NEW HOPE')}&f_type=movie`);
    expect(list.statusCode).toBe(200);
    expect(rowsOf(list.body, 'films').sort()).toEqual(same.map((f) => f.id).sort());
    expect(rowsOf(list.body, 'films')).toContain(star.id);
    expect(rowsOf((await browser.get(`${P}/films?f_type=tv_show`)).body, 'films')).toEqual([]);
    const page = await browser.get(`${P}/films/${star.id}`);
    expect(page.body).toContain(`value="${star.title}"`);
    const links = catalogue.film_persons.filter(([f]) => f === star.id);
    for (const [, person, role] of links.slice(0, 3))
      expect(page.body).toContain(`${P}/links/${encodeURIComponent(`${star.id}~${person}~${role}`)}`);
    expect(page.body).toMatch(/<h2 id="i-2">Most helpful reviews<\/h2>/);
  });

  it('creates a film with errors beside the fields, then search, details and lists follow each edit', async () => {
    const genre = await browser.post(`${P}/genres/add`, { name: 'Zorbcore', description: '' });
    expect(genre.statusCode).toBe(303);
    const genreId = idFrom(genre.headers.location);
    expect(await searchIds('zorblax')).toEqual([]); // cached empty answer
    await browser.get(`${P}/films/add`);
    const bad = await browser.post(
      `${P}/films/add`,
      filmForm({ rating: '150', creation_date: 'yesterday', title: '  ' }),
    );
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/id="e-rating">Ensure this value is at most 100\./);
    expect(bad.body).toMatch(/id="e-title">This field is required\./);
    const badDate = await browser.post(`${P}/films/add`, filmForm({ creation_date: 'yesterday' }));
    expect(badDate.body).toMatch(/id="e-creation_date">Enter a date as YYYY-MM-DD\./);
    const unknownGenre = await browser.post(`${P}/films/add`, filmForm({ genres: MISSING }));
    expect(unknownGenre.statusCode).toBe(422);
    expect(unknownGenre.body).toMatch(new RegExp(`id="e-genres">genre not found: ${MISSING}`));
    const missingFile = await browser.post(`${P}/films/add`, filmForm({ file: 'no-such-file' }));
    expect(missingFile.body).toMatch(/id="e-file">file not found/);

    const made = await browser.post(`${P}/films/add`, filmForm({ genres: genreId }));
    expect(made.statusCode).toBe(303);
    const id = idFrom(made.headers.location);
    expect(await searchIds('zorblax')).toEqual([id]);
    expect((await api(`/films/${id}`)).json()).toMatchObject({
      title: 'Zorblax Nights',
      imdb_rating: 8.5,
      creation_date: '2021-03-04',
      genres: [{ id: genreId, name: 'Zorbcore' }],
    });
    const detail = await browser.get(`${P}/films/${id}`);
    expect(detail.body).toMatch(/<input id="f-rating" name="rating" type="text" value="85"/);
    expect(detail.body).toContain('Zorbcore');

    const saved = await browser.post(`${P}/films/${id}`, filmForm({ title: 'Quuxbridge', rating: '12.5', genres: '' }));
    expect(saved.statusCode).toBe(303);
    expect(await searchIds('zorblax')).toEqual([]);
    expect(await searchIds('quuxbridge')).toEqual([id]);
    expect((await api(`/films/${id}`)).json()).toMatchObject({ title: 'Quuxbridge', imdb_rating: 1.25, genres: [] });
    const audit = await audited(`f_resource=cinema.films&f_action=update`);
    expect(audit).toContain(id);
    expect(audit).toContain('title: Zorblax Nights → Quuxbridge');

    expect((await browser.get(`${P}/films/${id}/delete`)).body).toContain('Yes, delete');
    expect((await browser.post(`${P}/films/${id}/delete`, { confirmed: 'yes' })).statusCode).toBe(303);
    expect((await api(`/films/${id}`)).statusCode).toBe(404);
    expect(await searchIds('quuxbridge')).toEqual([]);
    expect(await audited(`f_resource=cinema.films&f_action=delete`)).toContain(id);
    expect((await browser.get(`${P}/films/${id}`)).statusCode).toBe(404);
  });

  it('edits and deletes genres and persons; links a person to a film by role and unlinks', async () => {
    const genre = idFrom(
      (await browser.post(`${P}/genres/add`, { name: 'Vexwave', description: 'd' })).headers.location,
    );
    expect((await browser.post(`${P}/genres/${genre}`, { name: '', description: 'd' })).body).toMatch(
      /id="e-name">This field is required\./,
    );
    expect((await browser.post(`${P}/genres/${genre}`, { name: 'Vexcore', description: 'd' })).statusCode).toBe(303);
    expect((await api(`/genres/${genre}`)).json()).toMatchObject({ name: 'Vexcore' });
    expect(rowsOf((await browser.get(`${P}/genres?q=vexcore`)).body, 'genres')).toEqual([genre]);
    expect((await browser.post(`${P}/genres/${genre}/delete`, { confirmed: 'yes' })).statusCode).toBe(303);
    expect((await api(`/genres/${genre}`)).statusCode).toBe(404);

    const film = idFrom((await browser.post(`${P}/films/add`, filmForm({ title: 'Vexmoor' }))).headers.location);
    const made = await browser.post(`${P}/persons/add`, { full_name: 'Ottilie Brackenridge', gender: 'f' });
    const person = idFrom(made.headers.location);
    expect(rowsOf((await browser.get(`${P}/persons?q=brackenridge`)).body, 'persons')).toEqual([person]);

    const unknown = await browser.post(`${P}/links/add`, { filmId: MISSING, personId: person, role: 'director' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toMatch(/id="e-filmId">No film has this id\./);
    const noPerson = await browser.post(`${P}/links/add`, { filmId: film, personId: MISSING, role: 'director' });
    expect(noPerson.body).toMatch(/id="e-personId">No person has this id\./);
    expect((await browser.post(`${P}/links/add`, { filmId: film, personId: 'x', role: 'actor' })).statusCode).toBe(422);
    for (const role of ['director', 'writer']) {
      const link = await browser.post(`${P}/links/add`, { filmId: film, personId: person, role });
      expect(link.statusCode).toBe(303);
      expect(idFrom(link.headers.location)).toBe(`${film}~${person}~${role}`);
    }
    expect((await api(`/films/${film}`)).json()).toMatchObject({
      directors: [{ id: person, full_name: 'Ottilie Brackenridge' }],
      writers: [{ id: person, full_name: 'Ottilie Brackenridge' }],
    });
    expect(await searchIds('brakenridge')).toEqual([film]);
    const byPerson = await browser.get(`${P}/links?q=${person}&f_role=writer`);
    expect(rowsOf(byPerson.body, 'links')).toEqual([`${film}~${person}~writer`]);
    expect((await browser.get(`${P}/persons/${person}`)).body).toContain(`${P}/films/${film}`);

    await browser.post(`${P}/persons/${person}`, { full_name: 'Ottilie Fairweather', gender: 'f' });
    expect(await searchIds('fairweather')).toEqual([film]);
    const link = encodeURIComponent(`${film}~${person}~director`);
    expect((await browser.get(`${P}/links/${link}`)).body).toContain('Ottilie Fairweather');
    expect((await browser.post(`${P}/links/${link}/delete`, { confirmed: 'yes' })).statusCode).toBe(303);
    expect((await api(`/films/${film}`)).json()).toMatchObject({ directors: [], writers: [{ id: person }] });
    expect((await browser.get(`${P}/links/${link}`)).statusCode).toBe(404);
    expect(await audited(`f_resource=cinema.links&f_action=delete`)).toContain(`${film}~${person}~director`);

    expect((await browser.post(`${P}/persons/${person}/delete`, { confirmed: 'yes' })).statusCode).toBe(303);
    expect((await api(`/persons/${person}`)).statusCode).toBe(404);
    expect(await searchIds('fairweather')).toEqual([]);
  });

  it('pages through every person–film link once, in either order (the key has three columns)', async () => {
    const expected = new Set(catalogue.film_persons.map((l) => l.join('~')));
    for (const order of ['film', '-person']) {
      const seen: string[] = [];
      let url: string | undefined = `${P}/links?order=${order}`;
      while (url) {
        const res = await browser.get(url);
        seen.push(...rowsOf(res.body, 'links'));
        url = nextOf(res.body);
      }
      expect(seen.length).toBe(new Set(seen).size);
      expect(seen.filter((s) => expected.has(s)).length).toBe(expected.size);
    }
  }, 60_000);

  it('moderates reviews: the film’s review list follows a removal', async () => {
    const film = catalogue.films[0]!.id;
    const written = await agora.app.inject({
      method: 'POST',
      url: `${API}/films/reviews/${film}`,
      headers: fan.headers,
      payload: { review: `Spam ${unique('x')}` },
    });
    expect(written.statusCode).toBe(201);
    const review = written.json<{ id: string }>().id;
    expect((await api(`/films/reviews/${film}`)).json()).toEqual([expect.objectContaining({ id: review })]);
    expect(rowsOf((await browser.get(`${P}/reviews?q=${fan.id}`)).body, 'reviews')).toEqual([review]);
    const page = await browser.get(`${P}/reviews/${review}`);
    expect(page.body).toContain('Spam');
    expect(page.body).not.toContain('<button type="submit">Save</button>');
    expect((await browser.get(`${P}/reviews/add`)).statusCode).toBe(404);
    expect((await browser.post(`${P}/reviews/${review}/delete`, { confirmed: 'yes' })).statusCode).toBe(303);
    expect((await api(`/films/reviews/${film}`)).json()).toEqual([]);
    expect(await audited(`f_resource=cinema.reviews&f_action=delete`)).toContain(review);
  });

  it('answers 404 for unknown and malformed ids, refuses posts without the form token', async () => {
    for (const url of [
      `${P}/films/${MISSING}`,
      `${P}/films/not-a-uuid`,
      `${P}/genres/${MISSING}`,
      `${P}/persons/12`,
      `${P}/links/${MISSING}~${MISSING}~actor`,
      `${P}/links/${MISSING}~${MISSING}~grip`,
      `${P}/reviews/${MISSING}`,
      `${P}/nothing`,
    ])
      expect((await browser.get(url)).statusCode, url).toBe(404);
    const before = (await api('/genres/')).json<unknown[]>().length;
    const forged = await browser.post(`${P}/genres/add`, { name: 'Forged', description: '' }, { csrf: false });
    expect(forged.statusCode).toBe(403);
    expect((await api('/genres/')).json<unknown[]>().length).toBe(before);
  });

  it('keeps cinema-only staff out of other modules, and other staff out of the cinema', async () => {
    expect((await browser.get('/admin/notifications/templates')).statusCode).toBe(403);
    expect((await browser.get('/admin/identity/users')).statusCode).toBe(403);
    const other = await panelUser(agora, { permissions: ['admin.notifications'] });
    const theirs = new PanelClient(agora, '10.9.8.6');
    await theirs.signIn(other.username, other.password);
    expect((await theirs.get(`${P}/films`)).statusCode).toBe(403);
    expect((await theirs.post(`${P}/genres/add`, { name: 'Nope', description: '' })).statusCode).toBe(403);
    expect((await theirs.get('/admin/notifications/templates')).statusCode).toBe(200);
  });
});
