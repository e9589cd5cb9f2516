import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../platform/db/database.js';
import { searchRepository } from './cinema.search.repository.js';
import { fold } from './cinema.text.js';
import { writesRepository as repo, type FilmInput, type PersonInput } from './cinema.writes.repository.js';

/** The seed's catalogue (the course database its ETL loaded into Elasticsearch), with its original uuids. */
export interface Catalogue {
  genres: { id: string; name: string; description: string | null }[];
  films: {
    id: string;
    title: string;
    description: string | null;
    creation_date: string | null;
    rating: number | null;
    type: string;
  }[];
  persons: { id: string; full_name: string }[];
  film_genres: [string, string][];
  film_persons: [string, string, string][];
}

const CATALOGUE = join('src', 'modules', 'cinema', 'seed-data', 'movies.json');

/**
 * Beside this file in the sources. Compiled code (a bundle under node_modules/.cache, or dist/ in the image)
 * finds it in the src/ of the nearest directory above it that has one, or of the working directory.
 */
export function shippedCatalogue(): Catalogue {
  const candidates = [fileURLToPath(new URL('./seed-data/movies.json', import.meta.url))];
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    candidates.push(join(dir, CATALOGUE));
  }
  candidates.push(join(process.cwd(), CATALOGUE));
  const path = candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
  return JSON.parse(readFileSync(path, 'utf8')) as Catalogue;
}

export const filmInput = (f: Catalogue['films'][number] & { file?: string | null }): FilmInput => ({
  id: f.id,
  title: f.title,
  description: f.description,
  creationDate: f.creation_date,
  rating: f.rating,
  type: f.type,
  file: f.file ?? null,
  titleFolded: fold(f.title),
  descriptionFolded: f.description === null ? null : fold(f.description),
});
export const personInput = (p: { id: string; full_name: string; gender?: string | null }): PersonInput => ({
  id: p.id,
  fullName: p.full_name,
  gender: p.gender ?? null,
  nameFolded: fold(p.full_name),
});

const BATCH = 5000;
const batches = <T>(rows: T[]) =>
  Array.from({ length: Math.ceil(rows.length / BATCH) }, (_, i) => rows.slice(i * BATCH, (i + 1) * BATCH));

/**
 * Loads a catalogue in one transaction: rows already there (same id) are kept as they are, so loading twice
 * changes nothing. The search documents of the loaded rows are rebuilt in the same transaction.
 */
export async function loadCatalogue(db: Db, c: Catalogue): Promise<void> {
  await db.transaction(async (tx) => {
    for (const b of batches(c.genres)) await repo.insertGenres(tx, b);
    for (const b of batches(c.persons)) await repo.insertPersons(tx, b.map(personInput));
    for (const b of batches(c.films)) await repo.insertFilms(tx, b.map(filmInput));
    for (const b of batches(c.film_genres)) await repo.insertFilmGenres(tx, b);
    for (const b of batches(c.film_persons)) await repo.insertFilmPersons(tx, b);
    for (const b of batches(c.persons))
      await searchRepository.refreshPersons(
        tx,
        b.map((p) => p.id),
      );
    for (const b of batches(c.films))
      await searchRepository.refreshFilms(
        tx,
        b.map((f) => f.id),
      );
  });
}

/** `agora seed`: the shipped catalogue (idempotent, ids kept). */
export async function seedCinema(db: Db): Promise<string[]> {
  const catalogue = shippedCatalogue();
  await loadCatalogue(db, catalogue);
  return [`cinema: catalogue of ${catalogue.films.length} films, ${catalogue.persons.length} persons`];
}
