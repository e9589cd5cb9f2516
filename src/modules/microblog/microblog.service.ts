import type { FastifyBaseLogger } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError, badRequest, forbidden, notFound } from '../../platform/errors.js';
import type { Jobs } from '../../platform/jobs/index.js';
import type { Metrics } from '../../platform/observability/metrics.js';
import type { FilesApi } from '../files/index.js';
import type { Actor } from '../identity/index.js';
import { createMediaStore } from './microblog.media.js';
import { microblogRepository as repo, type FeedPosition } from './microblog.repository.js';

export interface MicroblogDeps {
  db: Db;
  files: FilesApi;
  clock: Clock;
  log: FastifyBaseLogger;
  metrics: Metrics;
  mediaMaxBytes: number;
  /** Path prefix of attachment URLs, e.g. /api/medias. */
  mediaPrefix: string;
  /** Deepest page by number: tweets skipped before it (the keyset cursor has no such limit). */
  feedMaxOffset?: number;
  unattachedMediaTtlSeconds?: number;
  /** Where follow and like events go (in the transaction of the change). */
  jobs?: Pick<Jobs, 'publish'>;
  /** A tweet just committed, as the feed shows it, with its author's profile id (the live feed sends it on). */
  onTweet?: (tweet: FeedTweet, authorId: number) => Promise<void>;
}

/** A tweet as the feed shows it. */
export interface FeedTweet {
  id: number;
  content: string;
  attachments: string[];
  author: { id: number; name: string };
  likes: { user_id: number; name: string }[];
  stamp: string;
}
export { IMAGE_TYPES, MEDIA_BUCKET, UNATTACHED_MEDIA_TTL_SECONDS } from './microblog.media.js';

/** Tweet text is measured in characters (code points), as the contract's Python original did: 😀 is one. */
export const tweetLength = (text: string) => [...text].length;

const tx = (t: unknown) => t as Db;

/** A cursor is the position of the last tweet of a page, opaque to clients (base64url of JSON). */
export const encodeCursor = (p: FeedPosition) =>
  Buffer.from(JSON.stringify([p.likes, p.stamp, p.id])).toString('base64url');

const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
function decodeCursor(cursor: string): FeedPosition {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  const [likes, stamp, id] = Array.isArray(v) && v.length === 3 ? (v as unknown[]) : [];
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!count(likes) || typeof stamp !== 'string' || !STAMP.test(stamp) || !count(id) || !Date.parse(stamp)) {
    throw new AppError('VALIDATION_FAILED', 422, 'cursor: not a cursor this server gave');
  }
  return { likes: likes as number, stamp, id: id as number };
}

export function createMicroblogService(deps: MicroblogDeps) {
  const { db, clock } = deps;
  const maxOffset = deps.feedMaxOffset ?? 10_000;
  const media = createMediaStore(deps);
  const counters = {
    tweets: deps.metrics.counter('microblog_tweets_total', 'Tweets posted'),
    likes: deps.metrics.counter('microblog_likes_total', 'Likes added (repeated likes not counted)'),
    follows: deps.metrics.counter('microblog_follows_total', 'Follows added (repeated follows not counted)'),
    feed: deps.metrics.histogram(
      'microblog_feed_duration_seconds',
      'Time to build a feed page',
      [],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    ),
  };
  // identity user id → profile: the mapping never changes once made, so every replica may cache it.
  const profiles = new LRUCache<string, { id: number; name: string }>({ max: 10_000 });

  async function existingProfile(id: number) {
    const p = await repo.profileById(db, id);
    if (!p) throw notFound('User not found');
    return p;
  }

  /** A new tweet to its readers' live feeds (after its commit; a failure loses only the live copy). */
  async function announce(id: number, me: number, content: string) {
    const [author, mediaRows] = await Promise.all([existingProfile(me), repo.mediasOf(db, [id])]);
    const tweet: FeedTweet = {
      id,
      content,
      attachments: mediaRows.map((m) => media.api.mediaUrl(m, deps.mediaPrefix)),
      author: { id: me, name: author.name },
      likes: [],
      stamp: clock.now().toISOString(),
    };
    await deps.onTweet!(tweet, me);
  }

  return {
    ...media.api,

    async profileOf(actor: Actor): Promise<{ id: number; name: string }> {
      const hit = profiles.get(actor.userId);
      // A renamed identity account renames its profile (the cached name is checked, no query).
      if (hit?.name === actor.username) return hit;
      const row = await repo.ensureProfile(db, actor.userId, actor.username);
      const p = { id: row.id, name: row.name };
      profiles.set(actor.userId, p);
      return p;
    },

    async profile(id: number) {
      const p = await existingProfile(id);
      const [followers, following] = await Promise.all([repo.followersOf(db, id), repo.followingOf(db, id)]);
      return { id: p.id, name: p.name, followers, following };
    },

    async createTweet(me: number, data: string, mediaIds: number[] = []): Promise<number> {
      const content = data.trim();
      const length = tweetLength(content);
      if (length < 1 || length > 280) {
        throw new AppError('VALIDATION_FAILED', 422, 'tweet_data must be 1 to 280 characters after trimming');
      }
      if (mediaIds.length > 10) throw badRequest('tweet_media_ids: at most 10 media per tweet');
      if (new Set(mediaIds).size !== mediaIds.length) throw badRequest('tweet_media_ids must be unique');
      // No media has an id outside 1..2^53-1 (and 1e20 would overflow the bigint column): unknown, not a 5xx.
      if (mediaIds.some((m) => m < 1 || m > Number.MAX_SAFE_INTEGER)) throw notFound('Media not found');
      const id = await db.transaction(async (t) => {
        const tweetId = await repo.insertTweet(tx(t), me, content, clock.now());
        if (mediaIds.length) {
          const found = await repo.lockMedias(tx(t), mediaIds);
          const usable = found.filter((m) => m.ownerId === me && m.deletedAt === null);
          if (usable.length !== mediaIds.length) throw notFound('Media not found');
          if (usable.some((m) => m.tweetId !== null)) throw badRequest('Media is already attached to a tweet');
          await repo.attachMedias(tx(t), mediaIds, me, tweetId);
        }
        return tweetId;
      });
      counters.tweets.inc();
      if (deps.onTweet) {
        void announce(id, me, content).catch((err: unknown) =>
          deps.log.warn({ err, tweetId: id }, 'new tweet not sent to live feeds'),
        );
      }
      return id;
    },

    /**
     * The tweet and its likes go in one transaction that also marks its media for removal; their files are
     * deleted after it commits, and the media sweep finishes whatever fails here.
     */
    async deleteTweet(me: number, id: number): Promise<void> {
      const marked = await db.transaction(async (t) => {
        const tweet = await repo.lockTweet(tx(t), id);
        if (!tweet) throw notFound('Tweet not found');
        if (tweet.authorId !== me) throw forbidden('You can delete only your own tweets');
        return repo.deleteTweet(tx(t), id, clock.now());
      });
      await media.purge(marked);
    },

    /** 201 (true) on the first like, 200 (false) when it was already there. */
    async like(me: number, tweetId: number): Promise<boolean> {
      if (!(await repo.tweetExists(db, tweetId))) throw notFound('Tweet not found');
      const added = await db
        .transaction(async (t) => {
          const liked = await repo.like(tx(t), tweetId, me);
          // Notifications tells the author, after the commit (the event rides in this transaction).
          const [liker, author] = liked ? await repo.likeParties(tx(t), me, tweetId) : [];
          if (liker && author && author.id !== me)
            await deps.jobs?.publish(tx(t), 'microblog.like.created', {
              tweetId,
              likerUserId: liker.userId,
              likerName: liker.name,
              authorUserId: author.userId,
            });
          return liked;
        })
        .catch((err: { code?: string; cause?: { code?: string } }) => {
          // The tweet was deleted between the check and the insert.
          if (err.code === '23503' || err.cause?.code === '23503') throw notFound('Tweet not found');
          throw err;
        });
      if (added) counters.likes.inc();
      return added;
    },

    async unlike(me: number, tweetId: number): Promise<void> {
      if (!(await repo.tweetExists(db, tweetId))) throw notFound('Tweet not found');
      await db.transaction(async (t) => repo.unlike(tx(t), tweetId, me));
    },

    async follow(me: number, target: number): Promise<boolean> {
      if (me === target) throw badRequest('You cannot follow yourself');
      const followee = await existingProfile(target);
      const added = await db.transaction(async (t) => {
        const made = await repo.follow(tx(t), me, target);
        const follower = made ? await repo.profileById(tx(t), me) : undefined;
        // Notifications tells the followee, after the commit (the event rides in this transaction).
        if (follower)
          await deps.jobs?.publish(tx(t), 'microblog.follow.created', {
            followerUserId: follower.userId,
            followerName: follower.name,
            followeeUserId: followee.userId,
          });
        return made;
      });
      if (added) counters.follows.inc();
      return added;
    },

    async unfollow(me: number, target: number): Promise<void> {
      await existingProfile(target);
      await repo.unfollow(db, me, target);
    },

    /**
     * A feed page, by page number (`page`, 1-based; at most `maxOffset` tweets deep) or by keyset (`cursor`,
     * the `nextCursor` of the page before). Attachment URLs start with `mediaBase` (default: the configured one).
     */
    async feed(me: number, q: { page?: number; cursor?: string; limit: number; mediaBase?: string }) {
      const { limit } = q;
      if (q.cursor !== undefined && q.page !== undefined) {
        throw new AppError('VALIDATION_FAILED', 422, 'Give either offset or cursor, not both');
      }
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      const offset = ((q.page ?? 1) - 1) * limit;
      if (offset > maxOffset) {
        throw badRequest(`offset: pages deeper than ${maxOffset} tweets are not served; follow next_cursor instead`);
      }
      const end = counters.feed.startTimer();
      try {
        const rows = await repo.feed(db, me, limit, after ? 0 : offset, after);
        const ids = rows.map((r) => r.id);
        const [likeRows, mediaRows] = await Promise.all([repo.likesOf(db, ids), repo.mediasOf(db, ids)]);
        const likesByTweet = groupBy(likeRows, (l) => l.tweetId);
        const mediaByTweet = groupBy(mediaRows, (m) => m.tweetId);
        const base = q.mediaBase ?? deps.mediaPrefix;
        const last = rows.length === limit ? rows[rows.length - 1] : undefined;
        return {
          tweets: rows.map((r) => ({
            id: r.id,
            content: r.content,
            attachments: (mediaByTweet.get(r.id) ?? []).map((m) => media.api.mediaUrl(m, base)),
            author: { id: r.authorId, name: r.authorName },
            likes: (likesByTweet.get(r.id) ?? []).map((l) => ({ user_id: l.userId, name: l.name })),
            stamp: r.createdAt.toISOString(),
          })),
          nextCursor: last ? encodeCursor(last.position) : null,
        };
      } finally {
        end();
      }
    },
  };
}
export type MicroblogService = ReturnType<typeof createMicroblogService>;

/** Rows grouped by a key, each group in the rows' order (one pass instead of a filter per tweet). */
function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = out.get(k);
    if (group) group.push(row);
    else out.set(k, [row]);
  }
  return out;
}
