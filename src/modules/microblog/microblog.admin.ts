import { isNull } from 'drizzle-orm';
import { defineAdmin, readOnlyFields, type AdminResource } from '../../platform/admin/resource.js';
import type { Db } from '../../platform/db/database.js';
import { microblogAdminRepository as repo } from './microblog.admin.repository.js';
import type { MicroblogService } from './microblog.service.js';
import { medias, profiles, tweets } from './microblog.tables.js';

const numericId = (raw: string) => (/^\d{1,15}$/.test(raw) ? Number(raw) : undefined);

/** Adds the author's name to each row from `key` (one query per page). */
const named =
  (db: Db, key: string) =>
  async <R extends Record<string, unknown>>(rows: R[]) => {
    const names = await repo.profileNames(
      db,
      rows.map((r) => r[key] as number),
    );
    return rows.map((r) => ({ ...r, author: names.get(r[key] as number) ?? r[key] }));
  };

/** The microblog in the panel: tweets and media (deleted for moderation), profiles with their follows. */
export function microblogAdmin(db: Db, service: MicroblogService) {
  const tweetResource: AdminResource = {
    name: 'tweets',
    label: 'Tweets',
    source: { table: tweets, id: tweets.id },
    columns: [
      { key: 'content', label: 'Tweet' },
      { key: 'author', label: 'Author' },
      { key: 'likeCount', label: 'Likes' },
      { key: 'createdAt', label: 'Posted' },
    ],
    search: [tweets.content, tweets.id],
    searchHint: 'text or tweet id',
    ordering: [{ key: 'id', label: 'Newest first', column: tweets.id, desc: true }],
    decorate: named(db, 'authorId'),
    fields: readOnlyFields('content', 'author', 'authorId', 'likeCount', 'createdAt'),
    title: (t) => `Tweet ${String(t.id)}`,
    get: async (id) => {
      const row = numericId(id) === undefined ? undefined : await repo.tweetById(db, numericId(id)!);
      return row && (await named(db, 'authorId')([row]))[0];
    },
    // Deleted as its author would (the service's own rule), with its likes and media.
    delete: async (id) => {
      const tweet = await repo.tweetById(db, numericId(id) ?? 0);
      if (tweet) await service.deleteTweet(tweet.authorId, tweet.id);
    },
    inlines: [
      {
        label: 'Media',
        columns: [
          { key: 'id', label: 'Media' },
          { key: 'url', label: 'URL' },
        ],
        link: { resource: 'media', key: 'id' },
        load: async (id) => {
          const rows = await repo.mediasOfTweet(db, numericId(id) ?? 0);
          return rows.map((m) => ({ id: m.id, url: service.mediaUrl(m) }));
        },
      },
    ],
  };

  const mediaResource: AdminResource = {
    name: 'media',
    label: 'Media',
    source: { table: medias, id: medias.id, where: isNull(medias.deletedAt) },
    columns: [
      { key: 'id', label: 'Media' },
      { key: 'author', label: 'Owner' },
      { key: 'tweetId', label: 'Tweet' },
      { key: 'fileName', label: 'File' },
      { key: 'createdAt', label: 'Uploaded' },
    ],
    search: [medias.id, medias.tweetId, medias.sha256],
    searchHint: 'media id, tweet id or sha256',
    ordering: [{ key: 'id', label: 'Newest first', column: medias.id, desc: true }],
    decorate: named(db, 'ownerId'),
    fields: readOnlyFields('author', 'ownerId', 'tweetId', 'fileName', 'sha256', 'ext', 'createdAt'),
    title: (m) => `Media ${String(m.id)}`,
    get: async (id) => {
      const row = numericId(id) === undefined ? undefined : await repo.mediaById(db, numericId(id)!);
      return row && (await named(db, 'ownerId')([row]))[0];
    },
    delete: (id) => service.deleteMedia(numericId(id) ?? 0),
  };

  const follow = (side: 'following' | 'followers', label: string) => ({
    label,
    columns: [
      { key: 'id', label: 'Profile' },
      { key: 'name', label: 'Name' },
      { key: 'since', label: 'Since' },
    ],
    link: { resource: 'profiles', key: 'id' },
    load: (id: string) => repo.followsOf(db, numericId(id) ?? 0, side),
  });

  const profileResource: AdminResource = {
    name: 'profiles',
    label: 'Profiles and follows',
    source: { table: profiles, id: profiles.id },
    columns: [
      { key: 'id', label: 'Profile' },
      { key: 'name', label: 'Name' },
      { key: 'userId', label: 'User id' },
      { key: 'createdAt', label: 'Since' },
    ],
    search: [profiles.name, profiles.id, profiles.userId],
    searchHint: 'name, profile id or user id',
    fields: readOnlyFields('name', 'userId', 'createdAt'),
    title: (p) => String(p.name),
    get: async (id) => (numericId(id) === undefined ? undefined : repo.profileById(db, numericId(id)!)),
    inlines: [follow('following', 'Follows'), follow('followers', 'Followers')],
  };

  return defineAdmin({
    module: 'microblog',
    label: 'Microblog',
    resources: [tweetResource, mediaResource, profileResource],
  });
}
