import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Jobs } from '../../platform/jobs/index.js';
import type { RealtimeHub } from '../../platform/realtime/hub.js';
import type { NotificationsService, NotifyRequest } from './notifications.service.js';
import { producersRepository as repo } from './notifications.producers.repository.js';

export interface ProducerDeps {
  db: Db;
  clock: Clock;
  jobs: Pick<Jobs, 'subscribe'>;
  hub: Pick<RealtimeHub, 'online'>;
  config: Pick<Config, 'NOTIFICATIONS_DIGEST_INTERVAL'>;
}

const to = (userId: string) => ({ users: [userId] });
const now = (channel: NotifyRequest['channel']) => ({ channel, nextSend: null, cron: null });

/**
 * Other modules' events that become notifications. Each subscriber runs as its own durable job after the
 * producer's commit; the notification is written in a transaction with the subscriber's bookkeeping, so a
 * redelivered event does not notify twice.
 */
export function subscribeProducers(d: ProducerDeps, service: NotificationsService) {
  const { db, jobs } = d;

  jobs.subscribe('identity.password.changed', 'notifications', async ({ userId }, job) => {
    await db.transaction(async (tx) => {
      // The event's job id makes the notification unique: a redelivery finds it and stops.
      if (!(await repo.firstTime(tx, `password:${job.idempotencyKey}`, userId))) return;
      await service.notify(
        {
          subject: 'Your Agora password was changed',
          body:
            '<p>Hello {{ username }},</p><p>the password of your Agora account was just changed. ' +
            'If this was not you, reset it at once and contact an administrator.</p>',
          ...now('email'),
          distribution: to(userId),
          urgent: true,
        },
        tx,
      );
    });
  });

  jobs.subscribe('identity.session.started', 'notifications', async ({ userId, userAgent, ip, at }) => {
    const device = createHash('sha256').update(userAgent).digest('hex');
    await db.transaction(async (tx) => {
      // By sign-in time, not by the order the events are handled in: a device is new when another one was used
      // earlier (events handled out of order may miss an announcement, never make a wrong one).
      const seenAt = at ? new Date(at) : d.clock.now();
      const { isNew, knownBefore } = await repo.rememberDevice(tx, userId, device, seenAt);
      // The first device an account ever uses is where it was made: nothing to announce.
      if (!isNew || !knownBefore) return;
      await service.notify(
        {
          subject: 'New sign-in to your Agora account',
          body:
            '<p>Hello {{ username }},</p><p>your account was signed in from a new device: ' +
            '{{ user_agent }} (address {{ ip }}).</p><p>If this was not you, change your password.</p>',
          context: { user_agent: userAgent || 'an unknown client', ip: ip || 'unknown' },
          ...now('email'),
          distribution: to(userId),
          urgent: true,
        },
        tx,
      );
    });
  });

  jobs.subscribe('microblog.follow.created', 'notifications', async (e, job) => {
    await db.transaction(async (tx) => {
      if (!(await repo.firstTime(tx, `follow:${job.idempotencyKey}`, e.followeeUserId))) return;
      await service.notify(
        {
          subject: '{{ follower }} follows you',
          body: '<p>{{ follower }} started following you.</p>',
          context: { follower: e.followerName },
          ...now('websocket'),
          distribution: to(e.followeeUserId),
        },
        tx,
      );
    });
  });

  jobs.subscribe('microblog.like.created', 'notifications', async (e, job) => {
    await db.transaction(async (tx) => {
      if (!(await repo.firstTime(tx, `like:${job.idempotencyKey}`, e.authorUserId))) return;
      await service.notify(
        {
          subject: '{{ liker }} liked your tweet',
          body: '<p>{{ liker }} liked your tweet #{{ tweet_id }}.</p>',
          context: { liker: e.likerName, tweet_id: e.tweetId },
          ...now('websocket'),
          distribution: to(e.authorUserId),
        },
        tx,
      );
    });
  });

  // New messages for members without an open socket are counted; the digest task mails them at most hourly.
  jobs.subscribe('messenger.message.created', 'notifications', async (e) => {
    const others = e.memberIds.filter((m) => m !== e.authorId);
    if (!others.length) return;
    const online = await d.hub.online(others);
    const offline = others.filter((m) => !online.has(m));
    if (offline.length) await repo.addToDigests(db, offline, e.chatId, d.clock.now());
  });

  return {
    /** Mails every due digest (one notification per user), then starts its next hour. */
    async sendDigests(): Promise<number> {
      const before = new Date(d.clock.now().getTime() - d.config.NOTIFICATIONS_DIGEST_INTERVAL * 1000);
      return db.transaction(async (tx) => {
        const due = await repo.dueDigests(tx, before, 100);
        for (const g of due) {
          await service.notify(
            {
              subject: 'You have {{ count }} new message{% if count > 1 %}s{% endif %} in Agora',
              body:
                '<p>Hello {{ username }},</p><p>while you were away, {{ count }} new ' +
                'message{% if count > 1 %}s were{% else %} was{% endif %} posted in {{ chats }} of your chats.</p>',
              context: { count: g.pending, chats: g.chatIds.length },
              ...now('email'),
              distribution: to(g.userId),
            },
            tx,
          );
          await repo.digestSent(tx, g.userId, d.clock.now());
        }
        return due.length;
      });
    },
  };
}
