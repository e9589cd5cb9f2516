import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { query } from './cinema.sql.js';
import { bookmarks, ratings, reviewReactions, reviews } from './cinema.tables.js';

export type ReviewRow = typeof reviews.$inferSelect;
export type BookmarkRow = typeof bookmarks.$inferSelect;

/**
 * z = 1.96: the lower bound of the 95% Wilson score interval of likes / (likes + dislikes), rounded so that
 * floating-point noise (0 likes gives 1e-17, not 0) does not order equal reviews.
 */
const WILSON = sql`case when c.n = 0 then 0 else round((
  ((c.l::float8 / c.n) + 1.9208 / c.n - 1.96 * sqrt(((c.l::float8 / c.n) * (1 - c.l::float8 / c.n) + 0.9604 / c.n) / c.n))
  / (1 + 3.8416 / c.n))::numeric, 9)::float8 end`;

/** User content: every statement of ratings, reviews, reactions and bookmarks. */
export const ugcRepository = {
  /** Locks the film for the rest of the transaction (aggregates are recomputed under it); false if unknown. */
  async lockFilm(tx: Db, filmId: string): Promise<boolean> {
    return (await query(tx, sql`select id from cinema.films where id = ${filmId} for update`)).length > 0;
  },

  async upsertRating(tx: Db, userId: string, filmId: string, rating: number, now: Date) {
    await tx
      .insert(ratings)
      .values({ userId, filmId, rating, updatedAt: now })
      .onConflictDoUpdate({ target: [ratings.userId, ratings.filmId], set: { rating, updatedAt: now } });
  },

  async deleteRating(tx: Db, userId: string, filmId: string) {
    await tx.delete(ratings).where(and(eq(ratings.userId, userId), eq(ratings.filmId, filmId)));
  },

  /** Recomputes the film's users' aggregates (run under the film's lock, after the rating changed). */
  async refreshFilmAggregate(tx: Db, filmId: string) {
    await tx.execute(sql`update cinema.films set
      user_sum = coalesce((select sum(rating) from cinema.ratings where film_id = ${filmId}), 0),
      user_count = (select count(*) from cinema.ratings where film_id = ${filmId})
      where id = ${filmId}`);
  },

  myRatings: (db: Db, userId: string) =>
    db
      .select({ filmId: ratings.filmId, rating: ratings.rating })
      .from(ratings)
      .where(eq(ratings.userId, userId))
      .orderBy(asc(ratings.filmId)),

  /** Inserts a review unless the user already reviewed the film (then undefined). */
  async insertReview(tx: Db, row: { id: string; filmId: string; userId: string; review: string; createdAt: Date }) {
    const [created] = await tx.insert(reviews).values(row).onConflictDoNothing().returning();
    return created;
  },

  /** Deletes a review (its reactions go with it); returns its film, or undefined when there was none. */
  async deleteReview(db: Db, id: string) {
    const [gone] = await db.delete(reviews).where(eq(reviews.id, id)).returning({ filmId: reviews.filmId });
    return gone?.filmId;
  },

  /** A film's reviews: most likes first, then fewest dislikes, newest first on ties (reviews_film_likes_idx). */
  reviewsOfFilm: (db: Db, filmId: string, limit: number, offset: number) =>
    db
      .select()
      .from(reviews)
      .where(eq(reviews.filmId, filmId))
      .orderBy(desc(reviews.likes), asc(reviews.dislikes), desc(reviews.createdAt), reviews.id)
      .limit(limit)
      .offset(offset),

  reviewsOfUser: (db: Db, userId: string) =>
    db.select().from(reviews).where(eq(reviews.userId, userId)).orderBy(desc(reviews.createdAt), reviews.id),

  async lockReview(tx: Db, id: string): Promise<{ film_id: string } | undefined> {
    const [row] = await query<{ film_id: string }>(
      tx,
      sql`select film_id from cinema.reviews where id = ${id} for update`,
    );
    return row;
  },

  async setReaction(tx: Db, reviewId: string, userId: string, agree: boolean | null) {
    if (agree === null) {
      await tx
        .delete(reviewReactions)
        .where(and(eq(reviewReactions.reviewId, reviewId), eq(reviewReactions.userId, userId)));
      return;
    }
    await tx
      .insert(reviewReactions)
      .values({ reviewId, userId, agree })
      .onConflictDoUpdate({ target: [reviewReactions.reviewId, reviewReactions.userId], set: { agree } });
  },

  /** Recounts a review's reactions and its helpfulness (under the review's lock). */
  async refreshReview(tx: Db, id: string): Promise<ReviewRow> {
    await tx.execute(sql`update cinema.reviews r set likes = c.l, dislikes = c.n - c.l, helpfulness = ${WILSON}
      from (select count(*) filter (where agree)::int as l, count(*)::int as n
            from cinema.review_reactions where review_id = ${id}) c
      where r.id = ${id}`);
    const [row] = await tx.select().from(reviews).where(eq(reviews.id, id));
    return row!;
  },

  /** The user's bookmark of the film: inserted, or the one already there. */
  async bookmark(tx: Db, row: { id: string; userId: string; filmId: string; createdAt: Date }) {
    const [created] = await tx.insert(bookmarks).values(row).onConflictDoNothing().returning();
    if (created) return { row: created, created: true };
    const [existing] = await tx
      .select()
      .from(bookmarks)
      .where(and(eq(bookmarks.userId, row.userId), eq(bookmarks.filmId, row.filmId)));
    return { row: existing!, created: false };
  },

  async deleteBookmark(db: Db, id: string, userId: string) {
    const gone = await db
      .delete(bookmarks)
      .where(and(eq(bookmarks.id, id), eq(bookmarks.userId, userId)))
      .returning({ id: bookmarks.id });
    return gone.length > 0;
  },

  bookmarksOf: (db: Db, userId: string) =>
    db.select().from(bookmarks).where(eq(bookmarks.userId, userId)).orderBy(desc(bookmarks.createdAt), bookmarks.id),
};
