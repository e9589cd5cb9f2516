import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const microblog = pgSchema('microblog');

const ts = () => timestamp({ withTimezone: true, mode: 'date' }).notNull().defaultNow();
const id = () => bigint({ mode: 'number' }).primaryKey().generatedByDefaultAsIdentity();
const ref = () => bigint({ mode: 'number' }).notNull();

/** The contract's numeric user ids: one profile per identity user who has used the microblog. */
export const profiles = microblog.table(
  'profiles',
  { id: id(), userId: uuid().notNull(), name: text().notNull(), createdAt: ts() },
  (t) => [uniqueIndex('profiles_user_key').on(t.userId)],
);

export const tweets = microblog.table(
  'tweets',
  {
    id: id(),
    authorId: ref().references(() => profiles.id, { onDelete: 'cascade' }),
    content: text().notNull(),
    /** Denormalised count of likes, changed in the same transaction as the like row. */
    likeCount: integer().notNull().default(0),
    createdAt: ts(),
  },
  // The feed reads each followed author's tweets already in feed order from this index (see the repository).
  (t) => [
    index('tweets_author_popular_idx').on(
      t.authorId,
      sql`${t.likeCount} desc`,
      sql`${t.createdAt} desc`,
      sql`${t.id} desc`,
    ),
  ],
);

export const follows = microblog.table(
  'follows',
  {
    followerId: ref().references(() => profiles.id, { onDelete: 'cascade' }),
    followeeId: ref().references(() => profiles.id, { onDelete: 'cascade' }),
    createdAt: ts(),
  },
  (t) => [primaryKey({ columns: [t.followerId, t.followeeId] }), index('follows_followee_idx').on(t.followeeId)],
);

export const likes = microblog.table(
  'likes',
  {
    tweetId: ref().references(() => tweets.id, { onDelete: 'cascade' }),
    userId: ref().references(() => profiles.id, { onDelete: 'cascade' }),
    createdAt: ts(),
  },
  (t) => [
    primaryKey({ columns: [t.tweetId, t.userId] }),
    index('likes_user_idx').on(t.userId),
    // A page's likes in like order from the index alone: the tweets' likes are read without touching the heap.
    index('likes_tweet_created_idx').on(t.tweetId, t.createdAt, t.userId),
  ],
);

/**
 * An uploaded image; `file_name` is its short name in the files service, `sha256` its public content address.
 * `deleted_at` marks it for removal (its tweet was deleted, or it was never attached): the file goes, then the row.
 */
export const medias = microblog.table(
  'medias',
  {
    id: id(),
    ownerId: ref().references(() => profiles.id, { onDelete: 'cascade' }),
    tweetId: bigint({ mode: 'number' }).references(() => tweets.id, { onDelete: 'set null' }),
    fileName: text().notNull(),
    sha256: text().notNull(),
    ext: text().notNull(),
    createdAt: ts(),
    deletedAt: timestamp({ withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('medias_tweet_idx').on(t.tweetId),
    index('medias_sha256_idx').on(t.sha256),
    // The sweep's work list: media not attached (never, or no longer: their tweet is gone).
    index('medias_unattached_idx')
      .on(t.createdAt)
      .where(sql`${t.tweetId} is null`),
  ],
);
