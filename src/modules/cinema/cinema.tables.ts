import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  pgSchema,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const cinema = pgSchema('cinema');

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const genres = cinema.table('genres', {
  id: uuid().primaryKey(),
  name: text().notNull(),
  description: text(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/**
 * `name_folded` is the name lower-cased without accents (folded in the service); `search` is its tsvector,
 * rebuilt by the repository in the transaction of every write.
 */
export const persons = cinema.table(
  'persons',
  {
    id: uuid().primaryKey(),
    fullName: text().notNull(),
    gender: text(),
    nameFolded: text().notNull(),
    search: tsvector().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('persons_search_idx').using('gin', t.search),
    index('persons_name_trgm_idx').using('gist', t.nameFolded.op('gist_trgm_ops')),
  ],
);

/**
 * A film work. `rating` is 0–10 (imdb_rating). `search`: title (A), persons' names (B), description (C), over
 * the folded texts, rebuilt in the transaction of any write that changes them. `user_sum`/`user_count` are the
 * users' ratings, kept in the transaction of each rating.
 */
export const films = cinema.table(
  'films',
  {
    id: uuid().primaryKey(),
    title: text().notNull(),
    description: text(),
    creationDate: date({ mode: 'string' }),
    rating: doublePrecision(),
    type: text().notNull().default('movie'),
    file: text(),
    titleFolded: text().notNull(),
    descriptionFolded: text(),
    search: tsvector().notNull(),
    userSum: integer().notNull().default(0),
    userCount: integer().notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('films_rating_desc_idx').on(t.rating.desc().nullsLast(), t.id),
    index('films_rating_asc_idx').on(t.rating.asc().nullsLast(), t.id),
    index('films_search_idx').using('gin', t.search),
    // Nearest titles to a query (trigram distance): the candidates a common query ranks first.
    index('films_title_trgm_idx').using('gist', t.titleFolded.op('gist_trgm_ops')),
    // The admin panel's list filtered by type, in id order.
    index('films_type_idx').on(t.type, t.id),
  ],
);

/** Film–genre links with a copy of the film's rating, so a genre's films come sorted from one index. */
export const filmGenres = cinema.table(
  'film_genres',
  {
    filmId: uuid()
      .notNull()
      .references(() => films.id, { onDelete: 'cascade' }),
    genreId: uuid()
      .notNull()
      .references(() => genres.id, { onDelete: 'cascade' }),
    filmRating: doublePrecision(),
  },
  (t) => [
    primaryKey({ columns: [t.filmId, t.genreId] }),
    index('film_genres_desc_idx').on(t.genreId, t.filmRating.desc().nullsLast(), t.filmId),
    index('film_genres_asc_idx').on(t.genreId, t.filmRating.asc().nullsLast(), t.filmId),
  ],
);

export const filmPersons = cinema.table(
  'film_persons',
  {
    filmId: uuid()
      .notNull()
      .references(() => films.id, { onDelete: 'cascade' }),
    personId: uuid()
      .notNull()
      .references(() => persons.id, { onDelete: 'cascade' }),
    role: text().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.filmId, t.personId, t.role] }),
    index('film_persons_person_idx').on(t.personId, t.filmId),
  ],
);

/**
 * Every distinct word of the search documents: typo-tolerant queries expand their words against it. `docs`
 * estimates how many films hold the word (counted when films are indexed, never decremented): it tells a rare
 * query (rank every match) from a common one (rank the nearest titles).
 */
export const searchTerms = cinema.table(
  'search_terms',
  { term: text().primaryKey(), docs: integer().notNull().default(0) },
  (t) => [index('search_terms_length_idx').on(sql`length(${t.term})`)],
);

export const ratings = cinema.table(
  'ratings',
  {
    userId: uuid().notNull(),
    filmId: uuid()
      .notNull()
      .references(() => films.id, { onDelete: 'cascade' }),
    rating: smallint().notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.filmId] }), index('ratings_film_idx').on(t.filmId)],
);

/**
 * `helpfulness`: lower bound of the Wilson score interval of likes/(likes+dislikes), kept with the counts; the
 * admin panel ranks a film's most helpful reviews by it (the API orders by the counts, as the contract says).
 */
export const reviews = cinema.table(
  'reviews',
  {
    id: uuid().primaryKey(),
    filmId: uuid()
      .notNull()
      .references(() => films.id, { onDelete: 'cascade' }),
    userId: uuid().notNull(),
    review: text().notNull(),
    likes: integer().notNull().default(0),
    dislikes: integer().notNull().default(0),
    helpfulness: doublePrecision().notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('reviews_film_user_idx').on(t.filmId, t.userId),
    // The API's order (the contract's: likes, then fewest dislikes, newest first on ties) and the panel's.
    index('reviews_film_likes_idx').on(t.filmId, t.likes.desc(), t.dislikes, t.createdAt.desc(), t.id),
    index('reviews_film_rank_idx').on(t.filmId, t.helpfulness.desc(), t.createdAt.desc(), t.id),
    index('reviews_user_idx').on(t.userId, t.createdAt),
  ],
);

export const reviewReactions = cinema.table(
  'review_reactions',
  {
    reviewId: uuid()
      .notNull()
      .references(() => reviews.id, { onDelete: 'cascade' }),
    userId: uuid().notNull(),
    agree: boolean().notNull(),
  },
  (t) => [primaryKey({ columns: [t.reviewId, t.userId] })],
);

export const bookmarks = cinema.table(
  'bookmarks',
  {
    id: uuid().primaryKey(),
    userId: uuid().notNull(),
    filmId: uuid()
      .notNull()
      .references(() => films.id, { onDelete: 'cascade' }),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('bookmarks_user_film_idx').on(t.userId, t.filmId)],
);

/**
 * Viewing events, append-only. `id` is the id given at intake: a redelivered job inserts nothing twice.
 * `seq` orders a user's events of one film.
 */
export const events = cinema.table(
  'events',
  {
    id: uuid().primaryKey(),
    seq: bigint({ mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    type: text().notNull(),
    userId: uuid().notNull(),
    filmId: uuid().notNull(),
    progress: integer().notNull(),
    occurredAt: ts('occurred_at').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('events_user_film_idx').on(t.userId, t.filmId, t.occurredAt.desc(), t.seq.desc())],
);
