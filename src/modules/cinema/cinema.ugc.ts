import { AppError } from '../../platform/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { CinemaCache } from './cinema.cache.js';
import { pageWindow } from './cinema.catalogue.js';
import { catalogueRepository } from './cinema.catalogue.repository.js';
import { bookmarkNotFound, filmNotFound, reviewNotFound } from './cinema.errors.js';
import type { PageQuery } from './cinema.schemas.js';
import { ugcRepository as repo, type BookmarkRow, type ReviewRow } from './cinema.ugc.repository.js';

export const reviewOut = (r: ReviewRow) => ({
  id: r.id,
  review: r.review,
  user_id: r.userId,
  movie_id: r.filmId,
  created_at: r.createdAt.toISOString(),
  likes: r.likes,
  dislikes: r.dislikes,
});
export const bookmarkOut = (b: BookmarkRow) => ({
  id: b.id,
  user_id: b.userId,
  movie_id: b.filmId,
  created_at: b.createdAt.toISOString(),
});

/**
 * Ratings, reviews with reactions, bookmarks. The user always comes from the caller's token. A film's rating
 * aggregates change in the transaction of the rating, under the film's row lock, so they are never computed
 * per read and concurrent ratings cannot lose each other.
 */
export function ugcService({ db, clock, cache }: { db: Db; clock: Clock; cache: CinemaCache }) {
  return {
    async rate(userId: string, filmId: string, rating: number | null) {
      await db.transaction(async (tx) => {
        if (!(await repo.lockFilm(tx, filmId))) throw filmNotFound();
        if (rating === null) await repo.deleteRating(tx, userId, filmId);
        else await repo.upsertRating(tx, userId, filmId, rating, clock.now());
        await repo.refreshFilmAggregate(tx, filmId);
      });
      return { film_id: filmId, user_id: userId, rating };
    },

    async myRatings(userId: string): Promise<Record<string, number>> {
      return Object.fromEntries((await repo.myRatings(db, userId)).map((r) => [r.filmId, r.rating]));
    },

    async review(userId: string, filmId: string, text: string) {
      if (!(await catalogueRepository.filmExists(db, filmId))) throw filmNotFound();
      const row = await repo.insertReview(db, {
        id: clock.uuid(),
        filmId,
        userId,
        review: text,
        createdAt: clock.now(),
      });
      if (!row) throw new AppError('CONFLICT', 409, 'review already exists');
      await cache.reviewsChanged(filmId);
      return reviewOut(row);
    },

    async filmReviews(filmId: string, page: PageQuery) {
      const { limit, offset } = pageWindow(page);
      const rows = await cache.reviews(filmId, `${limit}:${offset}`, async () =>
        (await catalogueRepository.filmExists(db, filmId))
          ? (await repo.reviewsOfFilm(db, filmId, limit, offset)).map(reviewOut)
          : null,
      );
      if (!rows) throw filmNotFound();
      return rows;
    },

    async userReviews(userId: string) {
      return (await repo.reviewsOfUser(db, userId)).map(reviewOut);
    },

    /** true agrees, false disagrees, null takes the caller's reaction back. */
    async react(userId: string, reviewId: string, agree: boolean | null) {
      const { row, filmId } = await db.transaction(async (tx) => {
        const review = await repo.lockReview(tx, reviewId);
        if (!review) throw reviewNotFound();
        await repo.setReaction(tx, reviewId, userId, agree);
        return { row: await repo.refreshReview(tx, reviewId), filmId: review.film_id };
      });
      await cache.reviewsChanged(filmId);
      return reviewOut(row);
    },

    /** Moderation (the admin panel): removes a review; the film's cached review pages follow. */
    async removeReview(reviewId: string) {
      const filmId = await repo.deleteReview(db, reviewId);
      if (!filmId) throw reviewNotFound();
      await cache.reviewsChanged(filmId);
    },

    async bookmark(userId: string, filmId: string) {
      if (!(await catalogueRepository.filmExists(db, filmId))) throw filmNotFound();
      const { row, created } = await repo.bookmark(db, {
        id: clock.uuid(),
        userId,
        filmId,
        createdAt: clock.now(),
      });
      return { bookmark: bookmarkOut(row), created };
    },

    async unbookmark(userId: string, bookmarkId: string) {
      if (!(await repo.deleteBookmark(db, bookmarkId, userId))) throw bookmarkNotFound();
    },

    async bookmarks(userId: string) {
      return (await repo.bookmarksOf(db, userId)).map(bookmarkOut);
    },
  };
}
export type UgcService = ReturnType<typeof ugcService>;
