import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { filmGenres, filmPersons, films, genres, persons, reviews } from './cinema.tables.js';

const INLINE_LIMIT = 100;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The admin panel's reads of the catalogue: labels for a page of rows (one query each) and related records. */
export const panelRepository = {
  async filmTitles(db: Db, ids: string[]) {
    const rows = ids.length
      ? await db
          .select({ id: films.id, title: films.title })
          .from(films)
          .where(inArray(films.id, [...new Set(ids)]))
      : [];
    return new Map(rows.map((r) => [r.id, r.title]));
  },
  async personNames(db: Db, ids: string[]) {
    const rows = ids.length
      ? await db
          .select({ id: persons.id, name: persons.fullName })
          .from(persons)
          .where(inArray(persons.id, [...new Set(ids)]))
      : [];
    return new Map(rows.map((r) => [r.id, r.name]));
  },

  genresOfFilm: (db: Db, filmId: string) =>
    db
      .select({ id: genres.id, name: genres.name })
      .from(filmGenres)
      .innerJoin(genres, eq(genres.id, filmGenres.genreId))
      .where(eq(filmGenres.filmId, filmId))
      .orderBy(genres.name),
  /** A film's people (the person–film links), by role then name. */
  personsOfFilm: (db: Db, filmId: string) =>
    db
      .select({
        link: sql<string>`${filmPersons.filmId} || '~' || ${filmPersons.personId} || '~' || ${filmPersons.role}`,
        personId: filmPersons.personId,
        fullName: persons.fullName,
        role: filmPersons.role,
      })
      .from(filmPersons)
      .innerJoin(persons, eq(persons.id, filmPersons.personId))
      .where(eq(filmPersons.filmId, filmId))
      .orderBy(filmPersons.role, persons.fullName)
      .limit(INLINE_LIMIT),
  filmsOfPerson: (db: Db, personId: string) =>
    db
      .select({ filmId: films.id, title: films.title, role: filmPersons.role })
      .from(filmPersons)
      .innerJoin(films, eq(films.id, filmPersons.filmId))
      .where(eq(filmPersons.personId, personId))
      .orderBy(films.title)
      .limit(INLINE_LIMIT),
  /** A genre's best-rated films (film_genres_desc_idx). */
  filmsOfGenre: (db: Db, genreId: string) =>
    db
      .select({ filmId: films.id, title: films.title, rating: films.rating })
      .from(filmGenres)
      .innerJoin(films, eq(films.id, filmGenres.filmId))
      .where(eq(filmGenres.genreId, genreId))
      .orderBy(sql`${filmGenres.filmRating} desc nulls last`, filmGenres.filmId)
      .limit(20),
  /** A film's most helpful reviews (reviews_film_rank_idx). */
  reviewsOfFilm: (db: Db, filmId: string) =>
    db
      .select({ id: reviews.id, review: reviews.review, likes: reviews.likes, dislikes: reviews.dislikes })
      .from(reviews)
      .where(eq(reviews.filmId, filmId))
      .orderBy(desc(reviews.helpfulness), desc(reviews.createdAt), reviews.id)
      .limit(20),

  link: async (db: Db, filmId: string, personId: string, role: string) =>
    (
      await db
        .select()
        .from(filmPersons)
        .where(and(eq(filmPersons.filmId, filmId), eq(filmPersons.personId, personId), eq(filmPersons.role, role)))
    )[0],
  review: async (db: Db, id: string) => (await db.select().from(reviews).where(eq(reviews.id, id)))[0],
};
