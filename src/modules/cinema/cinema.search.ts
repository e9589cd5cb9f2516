import type { Db } from '../../platform/db/database.js';
import { searchRepository as repo, type RankedQuery } from './cinema.search.repository.js';
import {
  allowedEdits,
  exactTsquery,
  fold,
  likelyText,
  pickVariants,
  tokens,
  toTsquery,
  type QueryWord,
} from './cinema.text.js';

interface Window {
  limit: number;
  offset: number;
  /** Below this many estimated matches every match is ranked; from it on, the nearest titles (CINEMA_SEARCH_RANK_ALL). */
  rankAll: number;
}

/** A query's words with their typo variants from the vocabulary (one statement). */
async function expand(db: Db, text: string): Promise<QueryWord[]> {
  const words = tokens(text);
  const fuzzy = words.filter((w) => allowedEdits(w) > 0);
  return pickVariants(words, await repo.variants(db, fuzzy));
}

/** Titles (names) nearest to the query ranked first, per trigram measure: pages within them never scan more. */
export const NEAREST = 50;

/**
 * Every word must match (exactly, as a prefix, or within its allowed edits); when no document holds them all,
 * documents holding any of them, ranked by how much they hold. A common query (its rarest word in thousands of
 * documents) is ranked among the nearest titles when they fill the page; otherwise every match is ranked.
 * Two to four statements.
 */
async function run<T>(db: Db, query: string, page: Window, find: (q: RankedQuery) => Promise<T[]>): Promise<T[]> {
  const text = fold(query).trim();
  const words = await expand(db, text);
  if (!words.length) return [];
  const exact = exactTsquery(words);
  const likely = likelyText(words);
  const every = { tsquery: toTsquery(words, 'all'), exact, text, likely };
  // The rarest word bounds the matches (every word must match).
  const estimate = Math.min(...words.map((w) => w.docs));
  const { limit, offset } = page;
  const window = { limit, offset };
  if (estimate >= page.rankAll && offset + limit <= NEAREST) {
    const near = await find({ ...every, ...window, nearest: NEAREST });
    if (near.length === limit) return near;
  }
  const all = await find({ ...every, ...window });
  if (all.length || words.length === 1) return all;
  // Past the last page of an all-words answer, or no such answer at all?
  if (offset > 0 && (await find({ ...every, limit: 1, offset: 0 })).length) return all;
  return find({ tsquery: toTsquery(words, 'any'), exact, text, likely, ...window });
}

export const searchFilms = (db: Db, query: string, page: Window) => run(db, query, page, (q) => repo.films(db, q));

export const searchPersons = async (db: Db, query: string, page: Window) =>
  (await run(db, query, page, (q) => repo.persons(db, q))).map((p) => p.id);
