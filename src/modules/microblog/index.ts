import type { FastifyRequest } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { forwardedPrefix } from '../../platform/http/forwarded.js';
import type { AgoraModule } from '../../platform/http/module.js';
import type { FilesApi } from '../files/index.js';
import type { IdentityApi } from '../identity/index.js';
import { createRealtimeHub } from '../../platform/realtime/hub.js';
import { microblogAdmin } from './microblog.admin.js';
import { microblogLive } from './microblog.live.js';
import { renderMicroblogError } from './microblog.errors.js';
import { microblogRepository } from './microblog.repository.js';
import { microblogRootRoutes, microblogRoutes } from './microblog.routes.js';
import { seedMicroblog } from './microblog.seed.js';
import { createMicroblogService } from './microblog.service.js';

export type { MicroblogService } from './microblog.service.js';

declare module '../../platform/jobs/types.js' {
  interface EventMap {
    /** Someone followed an account (ids are identity users); published in the transaction of the follow. */
    'microblog.follow.created': { followerUserId: string; followerName: string; followeeUserId: string };
    /** Someone liked another account's tweet; published in the transaction of the like. */
    'microblog.like.created': { tweetId: number; likerUserId: string; likerName: string; authorUserId: string };
  }
}

/** The course's corporate Twitter: api-key auth, numeric ids, popularity feed, images through the files service. */
export function createMicroblogModule(
  ctx: PlatformContext,
  deps: { identity: IdentityApi; files: FilesApi },
): AgoraModule {
  const { config } = ctx;
  const configuredMedia = config.MICROBLOG_MEDIA_URL_PREFIX.replace(/\/+$/, '');
  // New tweets reach their readers' open sockets on every instance (through Redis when configured).
  const live = microblogLive({
    db: ctx.database.db,
    identity: deps.identity,
    hub: createRealtimeHub({ redis: ctx.redis, channel: `${config.REDIS_PREFIX}microblog:live`, log: ctx.log }),
  });
  const service = createMicroblogService({
    onTweet: (tweet, authorId) => live.announce(tweet, authorId),
    db: ctx.database.db,
    jobs: ctx.jobs,
    files: deps.files,
    clock: ctx.clock,
    log: ctx.log,
    metrics: ctx.metrics,
    mediaMaxBytes: config.MICROBLOG_MEDIA_MAX_BYTES,
    unattachedMediaTtlSeconds: config.MICROBLOG_MEDIA_UNATTACHED_TTL,
    // /api/medias by default, served at the root and under the mount: the course's proxy forwards only /api/
    // (to <mount>/api/), and a browser talking to Agora directly finds the same path at the root.
    mediaPrefix: configuredMedia || '/api/medias',
    feedMaxOffset: config.MICROBLOG_FEED_MAX_OFFSET,
  });
  // A configured prefix is taken as written; otherwise a trusted proxy's X-Forwarded-Prefix comes in front.
  const mediaBase = (req: FastifyRequest) =>
    configuredMedia || `${forwardedPrefix(req, config.TRUST_PROXY)}/api/medias`;
  // Other users see a renamed account's new name at once, not only after its next microblog call. The handler
  // reads the account's current name, so redelivered or reordered events cannot bring an old name back.
  ctx.jobs.subscribe('identity.user.renamed', 'microblog', async ({ userId }) => {
    const user = await deps.identity.getUser(userId);
    if (!user) return 'skipped';
    await microblogRepository.renameProfile(ctx.database.db, userId, user.username);
  });
  return {
    name: 'microblog',
    description: 'Corporate microblog: tweets with images, follows, likes and a popularity feed (api-key auth)',
    routes: async (app) => {
      await microblogRoutes(service, deps.identity, deps.files, {
        maxBytes: config.MICROBLOG_MEDIA_MAX_BYTES,
        mediaBase,
      })(app);
      await live.routes(app);
    },
    rootRoutes: microblogRootRoutes(service, deps.files),
    renderError: renderMicroblogError,
    admin: microblogAdmin(ctx.database.db, service),
    seed: () => seedMicroblog(deps.identity, service),
    tasks: [{ name: 'microblog.media.sweep', everySeconds: 300, run: () => service.sweepMedia() }],
    close: () => live.close(),
  };
}
