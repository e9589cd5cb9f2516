import type { PlatformContext } from '../../platform/context.js';
import type { AgoraModule } from '../../platform/http/module.js';
import { createRealtimeHub } from '../../platform/realtime/hub.js';
import type { IdentityApi } from '../identity/index.js';
import { notificationsAdmin } from './notifications.admin.js';
import { deliveryHandler } from './notifications.delivery.js';
import { createDispatcher, DELIVER_JOB, type DeliverPayload } from './notifications.dispatch.js';
import { renderNotificationsError } from './notifications.errors.js';
import { capturedMailer, smtpMailer } from './notifications.mail.js';
import { subscribeProducers } from './notifications.producers.js';
import { notificationRoutes } from './notifications.routes.js';
import { createNotificationsService } from './notifications.service.js';
import { notificationSocket } from './notifications.socket.js';

export type { NotifyRequest } from './notifications.service.js';
export { MANAGE_PERMISSION } from './notifications.errors.js';

/**
 * Notifications (the seed-4 notification service): templates, now / at a time / cron sends to users, roles or
 * everyone, by email and websocket, delivered by workers exactly once per recipient, with preferences and history.
 */
export function createNotificationsModule(ctx: PlatformContext, deps: { identity: IdentityApi }): AgoraModule {
  const { config } = ctx;
  const db = ctx.database.db;
  const hub = createRealtimeHub({
    redis: ctx.redis,
    channel: `${config.REDIS_PREFIX}notifications:live`,
    log: ctx.log,
  });
  const mailer = config.SMTP_URL
    ? smtpMailer(config.SMTP_URL, config.MAIL_FROM, config.SMTP_POOL_SIZE)
    : capturedMailer(db, ctx.clock);
  const dispatcher = createDispatcher({ db, clock: ctx.clock, jobs: ctx.jobs, identity: deps.identity });
  // Immediate sends are dispatched at once by a process whose scheduler runs; others wait for the next tick.
  let schedulerRuns = false;
  const dispatch = () => {
    schedulerRuns = true;
    return dispatcher.dispatchDue();
  };
  const service = createNotificationsService({
    db,
    clock: ctx.clock,
    config,
    identity: deps.identity,
    kick: () => {
      if (schedulerRuns) void dispatch().catch((err: unknown) => ctx.log.warn({ err }, 'notification dispatch failed'));
    },
  });
  const delivery = deliveryHandler({
    db,
    clock: ctx.clock,
    mailer,
    hub,
    metrics: ctx.metrics,
    identity: deps.identity,
  });
  ctx.jobs.register<DeliverPayload>(DELIVER_JOB, delivery.deliver, {
    maxAttempts: config.NOTIFICATIONS_MAX_ATTEMPTS,
    onDead: delivery.dead,
  });
  const producers = subscribeProducers({ db, clock: ctx.clock, jobs: ctx.jobs, hub, config }, service);

  return {
    name: 'notifications',
    description: 'Templates and notifications now, at a time or on a schedule, by email and websocket, with history',
    routes: async (app) => {
      await notificationRoutes(service, deps.identity)(app);
      await notificationSocket(hub, deps.identity)(app);
    },
    renderError: renderNotificationsError,
    admin: notificationsAdmin({ db, service, dispatcher, identity: deps.identity }),
    tasks: [
      { name: 'notifications.dispatch', everySeconds: config.NOTIFICATIONS_SCHEDULER_INTERVAL, run: dispatch },
      { name: 'notifications.digest', everySeconds: 60, run: () => producers.sendDigests() },
    ],
    close: async () => {
      await hub.close();
      mailer.close();
    },
  };
}
