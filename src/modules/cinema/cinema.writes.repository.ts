import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { filmGenres, filmPersons, films, genres, persons } from './cinema.tables.js';
import { pgArray, query } from './cinema.sql.js';

export interface FilmInput {
  id: string;
  title: string;
  description: string | null;
  creationDate: string | null;
  rating: number | null;
  type: string;
  file: string | null;
  titleFolded: string;
  descriptionFolded: string | null;
}
export interface PersonInput {
  id: string;
  fullName: string;
  gender: string | null;
  nameFolded: string;
}
export interface GenreInput {
  id: string;
  name: string;
  description: string | null;
}

const col = <T, V extends string | number | null>(rows: T[], f: (r: T) => V) => pgArray(rows.map(f));

/** Catalogue writes: bulk loads (seed, bench data) take one statement per table and batch, whatever its size. */
export const writesRepository = {
  async insertGenres(db: Db, rows: GenreInput[]) {
    if (!rows.length) return;
    await db.execute(sql`insert into cinema.genres (id, name, description)
      select * from unnest(${col(rows, (r) => r.id)}::uuid[], ${col(rows, (r) => r.name)}::text[],
        ${col(rows, (r) => r.description)}::text[])
      on conflict (id) do nothing`);
  },

  async insertPersons(db: Db, rows: PersonInput[]) {
    if (!rows.length) return;
    await db.execute(sql`insert into cinema.persons (id, full_name, gender, name_folded, search)
      select u.*, ''::tsvector from unnest(${col(rows, (r) => r.id)}::uuid[], ${col(rows, (r) => r.fullName)}::text[],
        ${col(rows, (r) => r.gender)}::text[], ${col(rows, (r) => r.nameFolded)}::text[]) u
      on conflict (id) do nothing`);
  },

  async insertFilms(db: Db, rows: FilmInput[]) {
    if (!rows.length) return;
    await db.execute(sql`insert into cinema.films
        (id, title, description, creation_date, rating, type, file, title_folded, description_folded, search)
      select u.*, ''::tsvector from unnest(${col(rows, (r) => r.id)}::uuid[], ${col(rows, (r) => r.title)}::text[],
        ${col(rows, (r) => r.description)}::text[], ${col(rows, (r) => r.creationDate)}::date[],
        ${col(rows, (r) => r.rating)}::float8[], ${col(rows, (r) => r.type)}::text[], ${col(rows, (r) => r.file)}::text[],
        ${col(rows, (r) => r.titleFolded)}::text[], ${col(rows, (r) => r.descriptionFolded)}::text[]) u
      on conflict (id) do nothing`);
  },

  async insertFilmGenres(db: Db, links: [filmId: string, genreId: string][]) {
    if (!links.length) return;
    await db.execute(sql`insert into cinema.film_genres (film_id, genre_id, film_rating)
      select u.f, u.g, f.rating from unnest(${col(links, (l) => l[0])}::uuid[], ${col(links, (l) => l[1])}::uuid[]) u(f, g)
      join cinema.films f on f.id = u.f
      on conflict do nothing`);
  },

  async insertFilmPersons(db: Db, links: [filmId: string, personId: string, role: string][]) {
    if (!links.length) return;
    await db.execute(sql`insert into cinema.film_persons (film_id, person_id, role)
      select * from unnest(${col(links, (l) => l[0])}::uuid[], ${col(links, (l) => l[1])}::uuid[],
        ${col(links, (l) => l[2])}::text[])
      on conflict do nothing`);
  },

  async updateFilm(db: Db, id: string, patch: Partial<Omit<FilmInput, 'id'>>) {
    if (!Object.keys(patch).length)
      return (await db.select({ id: films.id }).from(films).where(eq(films.id, id))).length > 0;
    const [row] = await db.update(films).set(patch).where(eq(films.id, id)).returning({ id: films.id });
    if (row && patch.rating !== undefined) {
      await db.update(filmGenres).set({ filmRating: patch.rating }).where(eq(filmGenres.filmId, id));
    }
    return Boolean(row);
  },

  /** Replaces a film's genres (unknown genre ids are the caller's to refuse first). */
  async setFilmGenres(db: Db, filmId: string, genreIds: string[]) {
    await db.delete(filmGenres).where(eq(filmGenres.filmId, filmId));
    await writesRepository.insertFilmGenres(
      db,
      genreIds.map((g) => [filmId, g]),
    );
  },

  async deleteFilm(db: Db, id: string) {
    return (await db.delete(films).where(eq(films.id, id)).returning({ id: films.id })).length > 0;
  },

  async existingGenres(db: Db, ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const rows = await query<{ id: string }>(
      db,
      sql`select id from cinema.genres where id = any(${pgArray(ids)}::uuid[])`,
    );
    return rows.map((r) => r.id);
  },

  async adminFilm(db: Db, id: string) {
    const [film] = await db.select().from(films).where(eq(films.id, id));
    if (!film) return undefined;
    const genreIds = await db.select({ id: filmGenres.genreId }).from(filmGenres).where(eq(filmGenres.filmId, id));
    const links = await db
      .select({ person_id: filmPersons.personId, role: filmPersons.role })
      .from(filmPersons)
      .where(eq(filmPersons.filmId, id));
    return { film, genres: genreIds.map((g) => g.id).sort(), persons: links };
  },

  genre: async (db: Db, id: string) => (await db.select().from(genres).where(eq(genres.id, id)))[0],
  person: async (db: Db, id: string) => (await db.select().from(persons).where(eq(persons.id, id)))[0],

  async updateGenre(db: Db, id: string, patch: Partial<Omit<GenreInput, 'id'>>) {
    if (!Object.keys(patch).length) return Boolean(await writesRepository.genre(db, id));
    return (await db.update(genres).set(patch).where(eq(genres.id, id)).returning({ id: genres.id })).length > 0;
  },
  async deleteGenre(db: Db, id: string) {
    return (await db.delete(genres).where(eq(genres.id, id)).returning({ id: genres.id })).length > 0;
  },
  async updatePerson(db: Db, id: string, patch: Partial<Omit<PersonInput, 'id'>>) {
    if (!Object.keys(patch).length) return Boolean(await writesRepository.person(db, id));
    return (await db.update(persons).set(patch).where(eq(persons.id, id)).returning({ id: persons.id })).length > 0;
  },
  /** Deletes a person; returns the films they were in (their search documents change), or undefined. */
  async deletePerson(db: Db, id: string): Promise<string[] | undefined> {
    const links = await db.select({ filmId: filmPersons.filmId }).from(filmPersons).where(eq(filmPersons.personId, id));
    const gone = await db.delete(persons).where(eq(persons.id, id)).returning({ id: persons.id });
    return gone.length ? [...new Set(links.map((l) => l.filmId))] : undefined;
  },

  async unlinkPerson(db: Db, filmId: string, personId: string, role: string) {
    const gone = await db
      .delete(filmPersons)
      .where(and(eq(filmPersons.filmId, filmId), eq(filmPersons.personId, personId), eq(filmPersons.role, role)))
      .returning({ filmId: filmPersons.filmId });
    return gone.length > 0;
  },
};
