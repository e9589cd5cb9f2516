import type { Db } from '../../platform/db/database.js';
import type { FilesApi, StoredFile } from '../files/index.js';
import type { CinemaCache } from './cinema.cache.js';
import { catalogueRepository as repo, type FilmRow } from './cinema.catalogue.repository.js';
import { filmNotFound, genreNotFound, invalid, personNotFound } from './cinema.errors.js';
import { MAX_WINDOW, type FilmOut, type PageQuery } from './cinema.schemas.js';
import { searchFilms, searchPersons } from './cinema.search.js';

export interface CatalogueDeps {
  db: Db;
  cache: CinemaCache;
  files: FilesApi;
  /** CINEMA_SEARCH_RANK_ALL */
  rankAll: number;
}

/** The part of a film file a URL needs (kept in the cache with the film). */
type FileRef = Pick<StoredFile, 'shortName' | 'pathInStorage' | 'filename' | 'fileType'>;

export function pageWindow(p: PageQuery) {
  if (p.page_number * p.page_size > MAX_WINDOW) {
    throw invalid(['query', 'page_number'], `page_number × page_size must be at most ${MAX_WINDOW}`);
  }
  return { limit: p.page_size, offset: (p.page_number - 1) * p.page_size };
}

const average = (sum: number, count: number) => (count ? Math.round((sum / count) * 100) / 100 : 0);

/** The catalogue read API: cached catalogue parts, plus the users' fields read live in one statement. */
export function catalogueService({ db, cache, files, rankAll }: CatalogueDeps) {
  /** Films with users' aggregates and the caller's rating and bookmark. */
  async function withUserFields(rows: FilmRow[], userId: string | undefined): Promise<FilmOut[]> {
    const fields = new Map(
      (
        await repo.userFields(
          db,
          rows.map((r) => r.id),
          userId,
        )
      ).map((f) => [f.id, f]),
    );
    return rows.map((r) => {
      const f = fields.get(r.id);
      return {
        id: r.id,
        title: r.title,
        imdb_rating: r.rating,
        user_rating: f ? average(Number(f.user_sum), Number(f.user_count)) : 0,
        user_count: f ? Number(f.user_count) : 0,
        my_rating: f?.my_rating ?? null,
        is_bookmarked: f?.bookmarked ?? false,
      };
    });
  }

  return {
    withUserFields,

    async films(q: PageQuery & { sort: string; genre?: string }, userId?: string) {
      const page = pageWindow(q);
      const rows = await cache.catalogue(`films:${q.sort}:${q.genre ?? ''}:${page.limit}:${page.offset}`, () =>
        repo.filmsPage(db, { desc: q.sort === '-imdb_rating', genre: q.genre, ...page }),
      );
      return withUserFields(rows, userId);
    },

    async search(q: PageQuery & { query: string }, userId?: string) {
      const page = pageWindow(q);
      const rows = await cache.catalogue(`search:${page.limit}:${page.offset}:${q.query}`, () =>
        searchFilms(db, q.query, { ...page, rankAll }),
      );
      return withUserFields(rows, userId);
    },

    async film(id: string, userId: string | undefined, fileUrl: (url: string) => string) {
      const detail = await cache.catalogue(`film:${id}`, async () => {
        const row = await repo.filmDetail(db, id);
        if (!row) return null;
        const stored = row.file ? await files.lookup(row.file) : undefined;
        const file: FileRef | null = stored
          ? {
              shortName: stored.shortName,
              pathInStorage: stored.pathInStorage,
              filename: stored.filename,
              fileType: stored.fileType,
            }
          : null;
        return { ...row, file };
      });
      if (!detail) throw filmNotFound();
      const [film] = await withUserFields([detail], userId);
      const role = (r: string) =>
        detail.persons.filter((p) => p.role === r).map((p) => ({ id: p.id, full_name: p.full_name }));
      const signed = detail.file ? await files.url(detail.file as StoredFile) : undefined;
      return {
        ...film!,
        description: detail.description,
        creation_date: detail.creation_date,
        type: detail.type,
        genres: detail.genres,
        actors: role('actor'),
        directors: role('director'),
        writers: role('writer'),
        file: signed ? (signed.local ? fileUrl(signed.url) : signed.url) : null,
      };
    },

    genres: () => cache.catalogue('genres', () => repo.genres(db)),

    async genre(id: string) {
      const genre = await cache.catalogue(`genre:${id}`, async () => (await repo.genre(db, id)) ?? null);
      if (!genre) throw genreNotFound();
      return genre;
    },

    async person(id: string) {
      const [person] = await cache.catalogue(`person:${id}`, () => repo.persons(db, [id]));
      if (!person) throw personNotFound();
      return person;
    },

    async personFilms(id: string, userId?: string) {
      const rows = await cache.catalogue(`person-films:${id}`, async () =>
        (await repo.personExists(db, id)) ? repo.personFilms(db, id) : null,
      );
      if (!rows) throw personNotFound();
      return withUserFields(rows, userId);
    },

    async searchPersons(q: PageQuery & { query: string }) {
      const page = pageWindow(q);
      return cache.catalogue(`persons:${page.limit}:${page.offset}:${q.query}`, async () =>
        repo.persons(db, await searchPersons(db, q.query, { ...page, rankAll })),
      );
    },
  };
}
export type CatalogueService = ReturnType<typeof catalogueService>;
