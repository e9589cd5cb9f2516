import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { follows, medias, profiles, tweets } from './microblog.tables.js';

/** The statements the admin panel needs beyond the microblog's own repository (one per page, never per row). */
export const microblogAdminRepository = {
  tweetById: async (db: Db, id: number) => (await db.select().from(tweets).where(eq(tweets.id, id)))[0],
  mediaById: async (db: Db, id: number) =>
    (
      await db
        .select()
        .from(medias)
        .where(and(eq(medias.id, id), isNull(medias.deletedAt)))
    )[0],
  mediasOfTweet: async (db: Db, tweetId: number) =>
    db
      .select({ id: medias.id, sha256: medias.sha256, ext: medias.ext })
      .from(medias)
      .where(and(eq(medias.tweetId, tweetId), isNull(medias.deletedAt)))
      .orderBy(medias.id),
  profileById: async (db: Db, id: number) => (await db.select().from(profiles).where(eq(profiles.id, id)))[0],
  profileNames: async (db: Db, ids: number[]) =>
    new Map(
      ids.length
        ? (
            await db
              .select({ id: profiles.id, name: profiles.name })
              .from(profiles)
              .where(inArray(profiles.id, [...new Set(ids)]))
          ).map((p) => [p.id, p.name])
        : [],
    ),
  /** Whom a profile follows, and who follows it, with names and since when. */
  followsOf: async (db: Db, id: number, side: 'following' | 'followers') =>
    db
      .select({ id: profiles.id, name: profiles.name, since: follows.createdAt })
      .from(follows)
      .innerJoin(profiles, eq(profiles.id, side === 'following' ? follows.followeeId : follows.followerId))
      .where(eq(side === 'following' ? follows.followerId : follows.followeeId, id))
      .limit(200),
  /** Marks one media for removal (detached from its tweet); its file goes next, as in the media sweep. */
  markMedia: async (db: Db, id: number, now: Date) =>
    db
      .update(medias)
      .set({ deletedAt: now, tweetId: null })
      .where(and(eq(medias.id, id), isNull(medias.deletedAt)))
      .returning({ id: medias.id, fileName: medias.fileName }),
};
