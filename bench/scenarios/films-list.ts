import { cinemaScenario } from '../fixtures/cinema-bench.js';

/** The shipped genre "Action": in both catalogues, with more films in the big one. */
const GENRE = '3d8d9bf5-0d90-4353-88ba-4ccc5d2c07ff';

export const scenario = cinemaScenario({
  name: 'films-list',
  description:
    'GET /cinema/api/v1/films/?genre=<Action>&sort=-imdb_rating&page_size=50, signed in (no cache), 100k vs 1k',
  signedIn: true,
  path: () => `/cinema/api/v1/films/?genre=${GENRE}&sort=-imdb_rating&page_size=50`,
  check: (body) => Array.isArray(body) && body.length === 50 && 'my_rating' in body[0],
});
