import { cinemaScenario } from '../fixtures/cinema-bench.js';

/** A shipped film with genres, actors, directors and writers: in both catalogues. */
const FILM = '2a090dde-f688-46fe-a9f4-b781a985275e';

export const scenario = cinemaScenario({
  name: 'film-detail',
  description: 'GET /cinema/api/v1/films/<id>, signed in (no cache), 100k films vs 1k',
  signedIn: true,
  path: () => `/cinema/api/v1/films/${FILM}`,
  check: (body) => typeof body === 'object' && body !== null && (body as { id?: string }).id === FILM,
});
