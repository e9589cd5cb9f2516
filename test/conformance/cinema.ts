import { unique } from '../helpers/app.js';
import type { Actor, Fixtures, FixtureTable } from './fixtures.js';

const API = '/cinema/api/v1';

/** Catalogue rows through the administration (the walk's actors are superusers, so they may manage it). */
export const film = async (f: Fixtures, who: Actor) =>
  String((await f.call('POST', `${API}/admin/films/`, who, 'bearer', { title: unique('Film ') })).id);
export const genre = async (f: Fixtures, who: Actor) =>
  String((await f.call('POST', `${API}/admin/genres/`, who, 'bearer', { name: unique('Genre ') })).id);
export const person = async (f: Fixtures, who: Actor) =>
  String((await f.call('POST', `${API}/admin/persons/`, who, 'bearer', { full_name: unique('Person ') })).id);
const review = async (f: Fixtures, who: Actor) =>
  String((await f.call('POST', `${API}/films/reviews/${await film(f, who)}`, who, 'bearer', { review: 'Fine' })).id);
const bookmark = async (f: Fixtures, who: Actor) =>
  String((await f.call('POST', `${API}/user/bookmarks/?film_id=${await film(f, who)}`, who, 'bearer')).id);

const filmParam = async (f: Fixtures, me: Actor) => ({ params: { film_id: await film(f, me) } });

export const cinemaFixtures: FixtureTable = {
  'GET /cinema/api/v1/films/{film_id}': { ok: filmParam },
  'GET /cinema/api/v1/films/{film_id}/progress': { ok: filmParam },
  'PATCH /cinema/api/v1/films/rating/{film_id}': { ok: filmParam },
  // one path for the seed's review routes: a film's id for POST and GET, a review's for PATCH
  'POST /cinema/api/v1/films/reviews/{id}': { ok: async (f, me) => ({ params: { id: await film(f, me) } }) },
  'GET /cinema/api/v1/films/reviews/{id}': { ok: async (f, me) => ({ params: { id: await film(f, me) } }) },
  'PATCH /cinema/api/v1/films/reviews/{id}': { ok: async (f, me) => ({ params: { id: await review(f, me) } }) },
  'GET /cinema/api/v1/films/': { ok: async (f, me) => ({ optional: { genre: await genre(f, me) } }) },
  'POST /cinema/api/v1/user/bookmarks/': { ok: async (f, me) => ({ query: { film_id: await film(f, me) } }) },
  'DELETE /cinema/api/v1/user/bookmarks/{bookmark_id}': {
    ok: async (f, me) => ({ params: { bookmark_id: await bookmark(f, me) } }),
  },
  'GET /cinema/api/v1/genres/{genre_id}': { ok: async (f, me) => ({ params: { genre_id: await genre(f, me) } }) },
  'GET /cinema/api/v1/persons/{person_id}': {
    ok: async (f, me) => ({ params: { person_id: await person(f, me) } }),
  },
  'GET /cinema/api/v1/persons/{person_id}/films': {
    ok: async (f, me) => ({ params: { person_id: await person(f, me) } }),
  },
  'GET /cinema/api/v1/admin/films/{film_id}': { ok: filmParam },
  'PATCH /cinema/api/v1/admin/films/{film_id}': {
    ok: async (f, me) => ({
      params: { film_id: await film(f, me) },
      body: { genres: [await genre(f, me)], file: null },
    }),
  },
  'DELETE /cinema/api/v1/admin/films/{film_id}': { ok: filmParam },
  'POST /cinema/api/v1/admin/films/': { ok: async (f, me) => ({ body: { genres: [await genre(f, me)], file: null } }) },
  'POST /cinema/api/v1/admin/films/{film_id}/persons': {
    ok: async (f, me) => ({ params: { film_id: await film(f, me) }, body: { person_id: await person(f, me) } }),
  },
  'DELETE /cinema/api/v1/admin/films/{film_id}/persons/{person_id}': {
    ok: async (f, me) => {
      const [filmId, personId] = [await film(f, me), await person(f, me)];
      await f.call('POST', `${API}/admin/films/${filmId}/persons`, me, 'bearer', {
        person_id: personId,
        role: 'actor',
      });
      return { params: { film_id: filmId, person_id: personId }, query: { role: 'actor' } };
    },
  },
  'GET /cinema/api/v1/admin/genres/{genre_id}': {
    ok: async (f, me) => ({ params: { genre_id: await genre(f, me) } }),
  },
  'PATCH /cinema/api/v1/admin/genres/{genre_id}': {
    ok: async (f, me) => ({ params: { genre_id: await genre(f, me) } }),
  },
  'DELETE /cinema/api/v1/admin/genres/{genre_id}': {
    ok: async (f, me) => ({ params: { genre_id: await genre(f, me) } }),
  },
  'GET /cinema/api/v1/admin/persons/{person_id}': {
    ok: async (f, me) => ({ params: { person_id: await person(f, me) } }),
  },
  'PATCH /cinema/api/v1/admin/persons/{person_id}': {
    ok: async (f, me) => ({ params: { person_id: await person(f, me) } }),
  },
  'DELETE /cinema/api/v1/admin/persons/{person_id}': {
    ok: async (f, me) => ({ params: { person_id: await person(f, me) } }),
  },
};
