import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { loadCatalogue } from '../../src/modules/cinema/cinema.seed.js';
import { testApp } from '../helpers/app.js';
import { API, catalogue, loadShipped } from './helpers.js';

const AMELIE = '6a1f9c3e-5b7d-4e2a-9c1b-0d2e3f4a5b6c';
const PERSON = '7b2e8d4f-6c8e-4f3b-8d2c-1e3f4a5b6c7d';

describe('cinema search', () => {
  let agora: Agora;
  const search = async (query: string, extra = '', kind = 'films') => {
    const res = await agora.app.inject({
      url: `${API}/${kind}/search?query=${encodeURIComponent(query)}${extra}`,
    });
    expect(res.statusCode, query).toBe(200);
    return res.json<{ id: string; title: string; imdb_rating: number; full_name: string }[]>();
  };

  beforeAll(async () => {
    agora = await testApp({ CINEMA_CACHE_TTL: '0' });
    await loadShipped(agora);
    await loadCatalogue(agora.ctx.database.db, {
      genres: [],
      films: [
        {
          id: AMELIE,
          title: 'Le Fabuleux Destin d’Amélie Poulain',
          description: 'Une serveuse à Montmartre',
          creation_date: '2001-04-25',
          rating: 8.3,
          type: 'movie',
        },
      ],
      persons: [{ id: PERSON, full_name: 'Jean-Pierre Jeunet' }],
      film_genres: [],
      film_persons: [[AMELIE, PERSON, 'director']],
    });
  });
  afterAll(async () => agora.app.close());

  it('is case- and accent-insensitive both ways', async () => {
    for (const q of ['amelie poulain', 'AMÉLIE', 'Amelie', 'fabuleux destin', 'MONTMARTRE']) {
      expect((await search(q)).map((f) => f.id).slice(0, 3), q).toContain(AMELIE);
    }
  });

  it("finds a film by its persons' names (weighted below the title) and persons by name", async () => {
    expect((await search('jeunet'))[0]!.id).toBe(AMELIE);
    const persons = await search('jean pierre jeunet', '', 'persons');
    expect(persons[0]).toEqual({
      id: PERSON,
      full_name: 'Jean-Pierre Jeunet',
      films: [{ uuid: AMELIE, roles: ['director'] }],
    });
    expect((await search('jeunte', '', 'persons'))[0]!.id).toBe(PERSON);
  });

  it('matches prefixes and several words, title above description', async () => {
    const jed = await search('jed', '&page_size=20');
    expect(jed.length).toBeGreaterThan(5);
    expect(jed.slice(0, 5).every((f) => /jedi/i.test(f.title))).toBe(true);
    const both = await search('star wars', '&page_size=10');
    expect(both.every((f) => /star/i.test(f.title) && /wars/i.test(f.title))).toBe(true);
  });

  it('ranks equal relevance by rating', async () => {
    const exact = (await search('star wars', '&page_size=2')).map((f) => [f.title, f.imdb_rating]);
    const twins = catalogue.films
      .filter((f) => f.title === 'Star Wars')
      .map((f) => ['Star Wars', f.rating])
      .sort((a, b) => Number(b[1]) - Number(a[1]));
    expect(exact).toEqual(twins.slice(0, 2));
  });

  it('tolerates typos like fuzziness AUTO: one edit in short words, two in long ones, none in tiny ones', async () => {
    expect((await search('strar wras')).slice(0, 2).map((f) => f.title)).toEqual(['Star Wars', 'Star Wars']);
    expect((await search('Montmrtrae')).map((f) => f.id)).toContain(AMELIE);
    // "amxlxe" is two edits from "amelie" (6 letters: allowed); "mntmrtr" is three from "montmartre"
    expect((await search('amxlxe')).map((f) => f.id)).toContain(AMELIE);
    expect((await search('mntmrtre')).map((f) => f.id)).toContain(AMELIE);
    expect((await search('mntmrtr')).map((f) => f.id)).not.toContain(AMELIE);
    // "destn" is one edit from "destin"; "dxsxn" is three
    expect((await search('destn')).map((f) => f.id)).toContain(AMELIE);
    expect((await search('dxsxn')).map((f) => f.id)).not.toContain(AMELIE);
    expect((await search('fxbuleux')).map((f) => f.id)).toContain(AMELIE);
  });

  it('pages without overlap; the SQL per request does not grow with the page size', async () => {
    const one = await search('star', '&page_size=10&page_number=1');
    const two = await search('star', '&page_size=10&page_number=2');
    expect(one).toHaveLength(10);
    expect(two).toHaveLength(10);
    expect(one.filter((f) => two.some((g) => g.id === f.id))).toEqual([]);
    const statements = async (size: number) => {
      const before = agora.ctx.database.queryCount();
      await search('star', `&page_size=${size}`);
      return agora.ctx.database.queryCount() - before;
    };
    // the vocabulary, the ranked matches, the users' fields
    expect(await statements(1)).toBe(3);
    expect(await statements(100)).toBe(3);
    expect(await search('???')).toEqual([]);
    // the films list and a person's films: the page and the users' fields, whatever the page size
    const list = async (url: string) => {
      const before = agora.ctx.database.queryCount();
      const res = await agora.app.inject({ url: `${API}${url}` });
      expect(res.statusCode).toBe(200);
      return agora.ctx.database.queryCount() - before;
    };
    expect(await list('/films/?page_size=1')).toBe(2);
    expect(await list('/films/?page_size=100&sort=imdb_rating')).toBe(2);
    expect(await list(`/films/?page_size=100&genre=${catalogue.genres[0]!.id}`)).toBe(2);
  });
});
