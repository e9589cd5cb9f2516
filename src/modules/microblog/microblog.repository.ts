import { and, asc, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { follows, likes, medias, profiles, tweets } from './microblog.tables.js';

export type ProfileRow = typeof profiles.$inferSelect;
export type MediaRow = typeof medias.$inferSelect;
export interface FeedRow {
  id: number;
  content: string;
  createdAt: Date;
  authorId: number;
  authorName: string;
}

/** A tweet's place in feed order: like count, creation time (microseconds, UTC) and id. */
export interface FeedPosition {
  likes: number;
  stamp: string;
  id: number;
}

const rowsOf = <T>(res: unknown) => (res as { rows: T[] }).rows;

/** Every SQL statement of the microblog; each takes the executor so the service decides the transaction. */
export const microblogRepository = {
  profileByUser: async (db: Db, userId: string) =>
    (await db.select().from(profiles).where(eq(profiles.userId, userId)))[0],

  /**
   * Creates the profile once (concurrent first requests of one user meet on the unique user_id) and keeps
   * its name the identity username: renamed only when it differs, so an unchanged name writes nothing.
   */
  ensureProfile: async (db: Db, userId: string, name: string) => {
    const [written] = await db
      .insert(profiles)
      .values({ userId, name })
      .onConflictDoUpdate({ target: profiles.userId, set: { name }, setWhere: sql`${profiles.name} <> ${name}` })
      .returning();
    return written ?? (await db.select().from(profiles).where(eq(profiles.userId, userId)))[0]!;
  },

  /** The profile of an identity account takes the account's current name (no row: nothing to rename). */
  renameProfile: async (db: Db, userId: string, name: string) =>
    db
      .update(profiles)
      .set({ name })
      .where(and(eq(profiles.userId, userId), sql`${profiles.name} <> ${name}`)),

  profileById: async (db: Db, id: number) => (await db.select().from(profiles).where(eq(profiles.id, id)))[0],

  followersOf: async (db: Db, id: number) =>
    db
      .select({ id: profiles.id, name: profiles.name })
      .from(follows)
      .innerJoin(profiles, eq(profiles.id, follows.followerId))
      .where(eq(follows.followeeId, id))
      .orderBy(profiles.id),

  /** The accounts (identity users) that see a profile's tweets in their feed: its followers and itself. */
  readersOf: async (db: Db, id: number) =>
    (
      await db
        .select({ userId: profiles.userId })
        .from(profiles)
        .where(
          sql`${profiles.id} = ${id} or ${profiles.id} in (select follower_id from microblog.follows where followee_id = ${id})`,
        )
    ).map((r) => r.userId),

  followingOf: async (db: Db, id: number) =>
    db
      .select({ id: profiles.id, name: profiles.name })
      .from(follows)
      .innerJoin(profiles, eq(profiles.id, follows.followeeId))
      .where(eq(follows.followerId, id))
      .orderBy(profiles.id),

  insertTweet: async (db: Db, authorId: number, content: string, createdAt: Date) =>
    (await db.insert(tweets).values({ authorId, content, createdAt }).returning({ id: tweets.id }))[0]!.id,

  lockTweet: async (db: Db, id: number) => (await db.select().from(tweets).where(eq(tweets.id, id)).for('update'))[0],

  /** The liker's and the tweet author's profiles (for the like event). */
  likeParties: async (db: Db, likerId: number, tweetId: number) => {
    const [liker] = await db.select().from(profiles).where(eq(profiles.id, likerId));
    const [author] = await db
      .select({ id: profiles.id, userId: profiles.userId })
      .from(tweets)
      .innerJoin(profiles, eq(profiles.id, tweets.authorId))
      .where(eq(tweets.id, tweetId));
    return [liker, author] as const;
  },

  tweetExists: async (db: Db, id: number) =>
    (await db.select({ id: tweets.id }).from(tweets).where(eq(tweets.id, id))).length > 0,

  /** Deletes the tweet (its likes go by ON DELETE CASCADE); its media are marked for removal (the caller deletes their files). */
  deleteTweet: async (db: Db, id: number, now: Date) => {
    const marked = await db
      .update(medias)
      .set({ deletedAt: now })
      .where(eq(medias.tweetId, id))
      .returning({ id: medias.id, fileName: medias.fileName });
    await db.delete(tweets).where(eq(tweets.id, id));
    return marked;
  },

  insertMedia: async (db: Db, values: typeof medias.$inferInsert) =>
    (await db.insert(medias).values(values).returning({ id: medias.id }))[0]!.id,

  lockMedias: async (db: Db, ids: number[]) => db.select().from(medias).where(inArray(medias.id, ids)).for('update'),

  attachMedias: async (db: Db, ids: number[], ownerId: number, tweetId: number) =>
    db
      .update(medias)
      .set({ tweetId })
      .where(
        and(inArray(medias.id, ids), eq(medias.ownerId, ownerId), isNull(medias.tweetId), isNull(medias.deletedAt)),
      )
      .returning({ id: medias.id }),

  mediaBySha: async (db: Db, sha256: string) =>
    (
      await db
        .select()
        .from(medias)
        .where(and(eq(medias.sha256, sha256), isNull(medias.deletedAt)))
        .limit(1)
    )[0],

  /** Marks media never attached since `cutoff`; rows a tweet is attaching right now (locked) are left alone. */
  markStaleMedias: async (db: Db, cutoff: Date, now: Date, limit: number) => {
    const stale = db
      .select({ id: medias.id })
      .from(medias)
      .where(and(isNull(medias.tweetId), isNull(medias.deletedAt), lt(medias.createdAt, cutoff)))
      .orderBy(asc(medias.createdAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    return db.update(medias).set({ deletedAt: now }).where(inArray(medias.id, stale)).returning({ id: medias.id });
  },

  /** Media marked for removal whose file deletion has not completed yet. */
  markedMedias: async (db: Db, limit: number) =>
    db
      .select({ id: medias.id, fileName: medias.fileName })
      .from(medias)
      .where(and(isNull(medias.tweetId), isNotNull(medias.deletedAt)))
      .orderBy(asc(medias.deletedAt))
      .limit(limit),

  dropMedia: async (db: Db, id: number) => {
    await db.delete(medias).where(and(eq(medias.id, id), isNotNull(medias.deletedAt)));
  },

  /** Inserts the like unless present; bumps the denormalised count only when a row was really added. */
  like: async (db: Db, tweetId: number, userId: number) => {
    const added = await db.insert(likes).values({ tweetId, userId }).onConflictDoNothing().returning();
    if (added.length) {
      await db
        .update(tweets)
        .set({ likeCount: sql`${tweets.likeCount} + 1` })
        .where(eq(tweets.id, tweetId));
    }
    return added.length > 0;
  },

  unlike: async (db: Db, tweetId: number, userId: number) => {
    const gone = await db
      .delete(likes)
      .where(and(eq(likes.tweetId, tweetId), eq(likes.userId, userId)))
      .returning();
    if (gone.length) {
      await db
        .update(tweets)
        .set({ likeCount: sql`${tweets.likeCount} - 1` })
        .where(eq(tweets.id, tweetId));
    }
  },

  follow: async (db: Db, followerId: number, followeeId: number) =>
    (await db.insert(follows).values({ followerId, followeeId }).onConflictDoNothing().returning()).length > 0,

  unfollow: async (db: Db, followerId: number, followeeId: number) => {
    await db.delete(follows).where(and(eq(follows.followerId, followerId), eq(follows.followeeId, followeeId)));
  },

  /**
   * The feed page. For each author the caller sees (themselves + followees), the index
   * tweets_author_popular_idx yields that author's first `offset + limit` tweets already in feed order, from
   * the index alone (index-only scan: every column needed is in it); only those candidates are merged and
   * sorted, and the text of the final page is fetched by primary key. The work is bounded by
   * authors × page depth, never by table size. With `after` (a keyset cursor) each author's scan starts
   * right after that position instead, so the depth is always one page.
   */
  feedQuery: (profileId: number, limit: number, offset: number, after?: FeedPosition) => {
    const past = after
      ? sql`and (like_count, created_at, id) < (${after.likes}, ${after.stamp}::timestamptz, ${after.id})`
      : sql``;
    return sql`
    select t.id, t.content, t.created_at as "createdAt", t.author_id as "authorId", p.name as "authorName",
      page.like_count as "likeCount",
      to_char(page.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "position"
    from (
      select c.id, c.like_count, c.created_at from (
        select ${follows.followeeId} as author_id from ${follows} where ${follows.followerId} = ${profileId}
        union all select ${profileId}::bigint
      ) a
      cross join lateral (
        select id, like_count, created_at from microblog.tweets
        where author_id = a.author_id ${past}
        order by like_count desc, created_at desc, id desc
        limit ${offset + limit}
      ) c
      order by c.like_count desc, c.created_at desc, c.id desc
      limit ${limit} offset ${offset}
    ) page
    join microblog.tweets t on t.id = page.id
    join microblog.profiles p on p.id = t.author_id
    order by page.like_count desc, page.created_at desc, page.id desc`;
  },

  feed: async (db: Db, profileId: number, limit: number, offset: number, after?: FeedPosition) =>
    rowsOf<FeedRow & { likeCount: number | string; position: string }>(
      await db.execute(microblogRepository.feedQuery(profileId, limit, offset, after)),
    ).map((r) => ({
      ...r,
      id: Number(r.id),
      authorId: Number(r.authorId),
      createdAt: new Date(r.createdAt),
      // Where the row sits in feed order, to the microsecond: the keyset a cursor carries.
      position: { likes: Number(r.likeCount), stamp: r.position, id: Number(r.id) } as FeedPosition,
    })),

  likesOf: async (db: Db, tweetIds: number[]) =>
    tweetIds.length
      ? db
          .select({
            tweetId: likes.tweetId,
            userId: likes.userId,
            // One primary-key probe per like on the page: never a join plan that scans every profile.
            name: sql<string>`(select p.name from microblog.profiles p where p.id = microblog.likes.user_id)`,
          })
          .from(likes)
          .where(inArray(likes.tweetId, tweetIds))
          .orderBy(likes.createdAt)
      : [],

  mediasOf: async (db: Db, tweetIds: number[]) =>
    tweetIds.length
      ? db
          .select({ tweetId: medias.tweetId, sha256: medias.sha256, ext: medias.ext })
          .from(medias)
          .where(inArray(medias.tweetId, tweetIds))
          .orderBy(medias.id)
      : [],
};
export type MicroblogRepository = typeof microblogRepository;
