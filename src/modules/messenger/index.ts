import type { PlatformContext } from '../../platform/context.js';
import type { AgoraModule } from '../../platform/http/module.js';
import type { IdentityApi } from '../identity/index.js';
import { messengerAdmin } from './messenger.admin.js';
import { renderMessengerError } from './messenger.errors.js';
import { createLiveHub } from './messenger.live.js';
import { messengerRoutes } from './messenger.routes.js';
import { SEARCH_JOB } from './messenger.search.js';
import { createMessengerService } from './messenger.service.js';

export type { MessengerService } from './messenger.service.js';

declare module '../../platform/jobs/types.js' {
  interface EventMap {
    /** A message was posted (identity user ids); published in the transaction of the message. */
    'messenger.message.created': { chatId: string; messageId: string; authorId: string; memberIds: string[] };
  }
}

/** The messenger (seed 2): chats, members, cached history, throttling, full-text search tasks, live stream. */
export function createMessengerModule(ctx: PlatformContext, deps: { identity: IdentityApi }): AgoraModule {
  const hub = createLiveHub({
    redis: ctx.redis,
    channel: `${ctx.config.REDIS_PREFIX}messenger:live`,
    log: ctx.log,
  });
  const service = createMessengerService({
    db: ctx.database.db,
    identity: deps.identity.service,
    // Redis only accelerates: the platform's cache and limiter fall back to the database when it fails.
    cache: ctx.cache,
    jobs: ctx.jobs,
    clock: ctx.clock,
    metrics: ctx.metrics,
    config: ctx.config,
    onMessage: (msg) => hub.announce(msg),
  });
  ctx.jobs.register<{ taskId: string }>(SEARCH_JOB, (p) => service.runSearch(p), {
    maxAttempts: 3,
    onDead: (p) => service.failSearch(p),
  });

  return {
    name: 'messenger',
    // Its body parser answers NUL with bad-parameters; an id holding one is unknown, as the contract words it.
    checksText: true,
    description: 'Chats, members, cached history, throttling, asynchronous full-text search and a live stream',
    routes: messengerRoutes(ctx, deps.identity, service, hub, ctx.limiter),
    renderError: renderMessengerError,
    admin: messengerAdmin(ctx.database.db, service),
    tasks: [{ name: 'messenger.search.expire', everySeconds: 30, run: () => service.expireSearches() }],
    close: () => hub.close(),
    async seed() {
      const lines: string[] = [];
      const demo = await deps.identity.demoUser('messenger_demo');
      if (demo.password) lines.push(`messenger: user messenger_demo / ${demo.password}`);
      return lines;
    },
  };
}
