import { cinemaScenario } from '../fixtures/cinema-bench.js';

/** Two words, each with a typo: both expand against the vocabulary, then the ranked full-text query. */
export const QUERY = 'strar wras';

export const scenario = cinemaScenario({
  name: 'films-search',
  description: `GET /cinema/api/v1/films/search?query=${QUERY} (typo-tolerant, 10 a page, no cache), 100k films vs 1k`,
  path: () => `/cinema/api/v1/films/search?query=${encodeURIComponent(QUERY)}&page_size=10`,
  check: (body) => Array.isArray(body) && body.length === 10,
});
