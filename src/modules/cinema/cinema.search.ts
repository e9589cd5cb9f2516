import type { Db } from '../../platform/db/database.js';
import { searchRepository as repo } from './cinema.search.repository.js';
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
}

/** A query's words with their typo variants from the vocabulary (one statement). */
async function expand(db: Db, text: string): Promise<QueryWord[]> {
  const words = tokens(text);
  const fuzzy = words.filter((w) => allowedEdits(w) > 0);
  return pickVariants(words, await repo.variants(db, fuzzy));
}

/**
 * Every word must match (exactly, as a prefix, or within its allowed edits); when no document holds them all,
 * documents holding any of them, ranked by how much they hold. Two statements, three for the fallback.
 */
async function run<T>(
  db: Db,
  query: string,
  page: Window,
  find: (q: { tsquery: string; exact: string; text: string; likely: string } & Window) => Promise<T[]>,
): Promise<T[]> {
  const text = fold(query).trim();
  const words = await expand(db, text);
  if (!words.length) return [];
  const exact = exactTsquery(words);
  const likely = likelyText(words);
  const every = { tsquery: toTsquery(words, 'all'), exact, text, likely };
  const all = await find({ ...every, ...page });
  if (all.length || words.length === 1) return all;
  // Past the last page of an all-words answer, or no such answer at all?
  if (page.offset > 0 && (await find({ ...every, limit: 1, offset: 0 })).length) return all;
  return find({ tsquery: toTsquery(words, 'any'), exact, text, likely, ...page });
}

export const searchFilms = (db: Db, query: string, page: Window) => run(db, query, page, (q) => repo.films(db, q));

export const searchPersons = async (db: Db, query: string, page: Window) =>
  (await run(db, query, page, (q) => repo.persons(db, q))).map((p) => p.id);
