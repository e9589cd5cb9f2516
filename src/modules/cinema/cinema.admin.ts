import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { forbidden } from '../../platform/errors.js';
import type { FilesApi } from '../files/index.js';
import type { Actor } from '../identity/index.js';
import type { CinemaCache } from './cinema.cache.js';
import { filmNotFound, genreNotFound, invalid, personNotFound } from './cinema.errors.js';
import { searchRepository as search } from './cinema.search.repository.js';
import { fold } from './cinema.text.js';
import { writesRepository as repo, type FilmInput } from './cinema.writes.repository.js';

export const MANAGE_PERMISSION = 'cinema.manage';

/** The one permission check of the catalogue administration. */
export function requireManager(actor: Actor) {
  if (!actor.isSuperuser && !actor.permissions.includes(MANAGE_PERMISSION)) {
    throw forbidden(`The ${MANAGE_PERMISSION} permission is required`);
  }
}

export interface FilmFields {
  title?: string;
  description?: string | null;
  creation_date?: string | null;
  /** 0–100 in the administration, imdb_rating 0–10 in the API. */
  rating?: number | null;
  type?: string;
  file?: string | null;
  genres?: string[];
}

/**
 * Catalogue administration. Each write runs in one transaction with the rebuild of the search documents it
 * changes, so the next search sees it; after commit the catalogue cache moves to a new version.
 */
export function adminService({
  db,
  clock,
  cache,
  files,
}: {
  db: Db;
  clock: Clock;
  cache: CinemaCache;
  files: FilesApi;
}) {
  const toFilm = (f: FilmFields): Partial<Omit<FilmInput, 'id'>> => {
    const out: Partial<Omit<FilmInput, 'id'>> = {};
    if (f.title !== undefined) Object.assign(out, { title: f.title, titleFolded: fold(f.title) });
    if (f.description !== undefined)
      Object.assign(out, { description: f.description, descriptionFolded: f.description && fold(f.description) });
    if (f.creation_date !== undefined) out.creationDate = f.creation_date;
    if (f.rating !== undefined) out.rating = f.rating === null ? null : Math.round(f.rating * 10) / 100;
    if (f.type !== undefined) out.type = f.type;
    if (f.file !== undefined) out.file = f.file;
    return out;
  };
  const checkRefs = async (f: FilmFields) => {
    if (f.file && !(await files.lookup(f.file))) throw invalid(['body', 'file'], 'file not found');
    if (f.genres?.length) {
      const known = await repo.existingGenres(db, f.genres);
      const unknown = f.genres.find((g) => !known.includes(g));
      if (unknown) throw invalid(['body', 'genres'], `genre not found: ${unknown}`);
    }
  };
  const write = async <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
    const out = await db.transaction(fn);
    await cache.catalogueChanged();
    return out;
  };

  async function film(id: string) {
    const found = await repo.adminFilm(db, id);
    if (!found) throw filmNotFound();
    const f = found.film;
    return {
      id: f.id,
      title: f.title,
      description: f.description,
      creation_date: f.creationDate,
      rating: f.rating === null ? null : Math.round(f.rating * 10 * 100) / 100,
      type: f.type,
      file: f.file,
      genres: found.genres,
      persons: found.persons,
    };
  }

  return {
    film,
    async createFilm(f: FilmFields & { title: string }) {
      await checkRefs(f);
      const id = clock.uuid();
      await write(async (tx) => {
        const fields = toFilm({
          description: null,
          creation_date: null,
          rating: null,
          type: 'movie',
          file: null,
          ...f,
        });
        await repo.insertFilms(tx, [{ id, ...(fields as Omit<FilmInput, 'id'>) }]);
        await repo.setFilmGenres(tx, id, [...new Set(f.genres ?? [])]);
        await search.refreshFilms(tx, [id]);
      });
      return film(id);
    },
    async updateFilm(id: string, f: FilmFields) {
      await checkRefs(f);
      await write(async (tx) => {
        if (!(await repo.updateFilm(tx, id, toFilm(f)))) throw filmNotFound();
        if (f.genres) await repo.setFilmGenres(tx, id, [...new Set(f.genres)]);
        await search.refreshFilms(tx, [id]);
      });
      return film(id);
    },
    async deleteFilm(id: string) {
      await write(async (tx) => {
        if (!(await repo.deleteFilm(tx, id))) throw filmNotFound();
      });
    },
    async linkPerson(filmId: string, personId: string, role: string) {
      await write(async (tx) => {
        if (!(await repo.adminFilm(tx, filmId))) throw filmNotFound();
        if (!(await repo.person(tx, personId))) throw personNotFound();
        await repo.insertFilmPersons(tx, [[filmId, personId, role]]);
        await search.refreshFilms(tx, [filmId]);
      });
      return film(filmId);
    },
    async unlinkPerson(filmId: string, personId: string, role: string) {
      await write(async (tx) => {
        if (!(await repo.unlinkPerson(tx, filmId, personId, role))) throw personNotFound();
        await search.refreshFilms(tx, [filmId]);
      });
    },

    async genre(id: string) {
      const g = await repo.genre(db, id);
      if (!g) throw genreNotFound();
      return { id: g.id, name: g.name, description: g.description };
    },
    async createGenre(g: { name: string; description?: string | null }) {
      const id = clock.uuid();
      await write((tx) => repo.insertGenres(tx, [{ id, name: g.name, description: g.description ?? null }]));
      return this.genre(id);
    },
    async updateGenre(id: string, g: { name?: string; description?: string | null }) {
      await write(async (tx) => {
        if (!(await repo.updateGenre(tx, id, g))) throw genreNotFound();
      });
      return this.genre(id);
    },
    async deleteGenre(id: string) {
      await write(async (tx) => {
        if (!(await repo.deleteGenre(tx, id))) throw genreNotFound();
      });
    },

    async person(id: string) {
      const p = await repo.person(db, id);
      if (!p) throw personNotFound();
      return { id: p.id, full_name: p.fullName, gender: p.gender };
    },
    async createPerson(p: { full_name: string; gender?: string | null }) {
      const id = clock.uuid();
      await write(async (tx) => {
        await repo.insertPersons(tx, [
          { id, fullName: p.full_name, gender: p.gender ?? null, nameFolded: fold(p.full_name) },
        ]);
        await search.refreshPersons(tx, [id]);
      });
      return this.person(id);
    },
    async updatePerson(id: string, p: { full_name?: string; gender?: string | null }) {
      await write(async (tx) => {
        const patch = {
          ...(p.full_name !== undefined ? { fullName: p.full_name, nameFolded: fold(p.full_name) } : {}),
          ...(p.gender !== undefined ? { gender: p.gender } : {}),
        };
        if (!(await repo.updatePerson(tx, id, patch))) throw personNotFound();
        await search.refreshPersons(tx, [id]);
      });
      return this.person(id);
    },
    async deletePerson(id: string) {
      await write(async (tx) => {
        const films = await repo.deletePerson(tx, id);
        if (!films) throw personNotFound();
        await search.refreshFilms(tx, films);
      });
    },
  };
}
export type AdminService = ReturnType<typeof adminService>;
