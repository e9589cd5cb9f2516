import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { JobContext, JobResult } from '../../platform/jobs/index.js';
import type { Metrics } from '../../platform/observability/metrics.js';
import type { RealtimeHub } from '../../platform/realtime/hub.js';
import type { IdentityApi } from '../identity/index.js';
import type { DeliverPayload } from './notifications.dispatch.js';
import { PermanentMailError, type Mailer } from './notifications.mail.js';
import { notificationsRepository as repo } from './notifications.repository.js';
import { htmlToText } from './notifications.render.js';

export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  mailer: Mailer;
  hub: RealtimeHub;
  metrics: Metrics;
  identity: Pick<IdentityApi, 'directory'>;
}

const FINAL = new Set(['sent', 'dead', 'skipped']);

/**
 * Sends one delivery (a job) on its channel to its recipient and records the outcome on the history row (rendered
 * when the send was dispatched). A failure is recorded as `failed` and thrown, so the job system retries it with
 * exponential backoff; `onDead` records `dead` when it gives up. A permanent refusal (SMTP 5xx, no address) is
 * dead at once. A delivery already final is skipped, so a redelivered job never sends twice.
 */
export function deliveryHandler(d: DeliveryDeps) {
  const outcomes = d.metrics.counter('notifications_deliveries_total', 'Notification deliveries by outcome', [
    'channel',
    'status',
  ]);

  const finish = async (id: string, channel: string, patch: Parameters<typeof repo.setDelivery>[2]) => {
    await repo.setDelivery(d.db, id, { ...patch, updatedAt: d.clock.now() });
    outcomes.labels(channel, String(patch.status)).inc();
  };

  async function deliver(p: DeliverPayload, _job: JobContext): Promise<JobResult> {
    const found = await repo.deliveryForSend(d.db, p.deliveryId);
    if (!found || FINAL.has(found.delivery.status)) return 'skipped';
    const { delivery, notification: n } = found;
    if (n.status === 'cancelled') {
      await finish(delivery.id, delivery.channel, { status: 'skipped', lastError: 'notification cancelled' });
      return 'skipped';
    }
    const [user] = await d.identity.directory.byIds(d.db, [delivery.userId]);
    if (!user) {
      await finish(delivery.id, delivery.channel, { status: 'skipped', lastError: 'account no longer exists' });
      return 'skipped';
    }
    await repo.startAttempt(d.db, delivery.id, d.clock.now());
    try {
      const msg = { subject: delivery.subject, html: delivery.body, text: htmlToText(delivery.body) };
      const sentAt = d.clock.now();
      if (delivery.channel === 'email') {
        if (!user.email) throw new PermanentMailError('the account has no email address');
        await d.mailer.send({ to: user.email, ...msg, deliveryId: delivery.id });
      } else {
        const frame = { id: delivery.id, subject: msg.subject, body: msg.html, sent_at: sentAt.toISOString() };
        await d.hub.publish([user.id], JSON.stringify(frame));
      }
      await finish(delivery.id, delivery.channel, { status: 'sent', sentAt, lastError: null });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      if (err instanceof PermanentMailError) {
        await finish(delivery.id, delivery.channel, { status: 'dead', lastError: error });
        return;
      }
      await finish(delivery.id, delivery.channel, { status: 'failed', lastError: error });
      throw err;
    }
  }

  return {
    deliver,
    /** The job system gave up: the history row says so. */
    async dead(p: DeliverPayload, error: string) {
      const found = await repo.deliveryForSend(d.db, p.deliveryId);
      if (found && !FINAL.has(found.delivery.status))
        await finish(found.delivery.id, found.delivery.channel, { status: 'dead', lastError: error });
    },
  };
}
