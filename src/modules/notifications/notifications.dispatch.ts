import { sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Jobs } from '../../platform/jobs/index.js';
import type { IdentityApi } from '../identity/index.js';
import { notificationsRepository as repo, type NewDelivery } from './notifications.repository.js';
import { renderFor } from './notifications.render.js';
import { nextTick, quietUntil } from './notifications.schedule.js';

export const DELIVER_JOB = 'notifications.deliver';
export interface DeliverPayload {
  deliveryId: string;
}

/** Recipients read (and history rows written) per statement while an occurrence fans out. */
const PAGE = 1000;

/** The idempotency key of one recipient's delivery of one occurrence on one channel. */
export const deliveryKey = (occurrenceId: string, userId: string, channel: string) =>
  `notifications:${occurrenceId}:${userId}:${channel}`;

export interface DispatchDeps {
  db: Db;
  clock: Clock;
  jobs: Pick<Jobs, 'enqueueMany' | 'wake'>;
  identity: Pick<IdentityApi, 'directory'>;
}

/**
 * The scheduler: claims due occurrences one at a time with FOR UPDATE SKIP LOCKED, so that any number of
 * schedulers (workers) share them and each is fanned out once. In the claiming transaction it writes one history
 * row and one delivery job per recipient (idempotent by (occurrence, recipient, channel)), marks the occurrence
 * dispatched and schedules the next one of a recurring notification. A scheduler that dies mid-way rolls back
 * everything, and the occurrence is claimed again.
 */
export function createDispatcher(d: DispatchDeps) {
  const { db, clock } = d;

  async function fanOut(tx: Db, occ: { id: string; notification_id: string; due_at: string | Date }) {
    const now = clock.now();
    const dueAt = new Date(occ.due_at);
    const n = await repo.notificationById(tx, occ.notification_id);
    if (!n || n.status !== 'active') {
      await repo.markOccurrenceCancelled(tx, occ.id);
      return 0;
    }
    let after: string | null = null;
    let recipients = 0;
    for (;;) {
      const page = await d.identity.directory.page(tx, n.distribution, after, PAGE);
      if (!page.length) break;
      after = page[page.length - 1]!.id;
      const prefs = new Map(
        (
          await repo.preferencesOf(
            tx,
            page.map((u) => u.id),
          )
        ).map((p) => [p.userId, p]),
      );
      const rows: NewDelivery[] = [];
      for (const u of page) {
        const p = prefs.get(u.id);
        const off = p?.channelsOff.includes(n.channel) ?? false;
        const quiet =
          !n.urgent && p ? quietUntil(dueAt, { timeZone: p.timeZone, start: p.quietStart, end: p.quietEnd }) : null;
        // Rendered now, with the recipient's data of this send: the history shows what the user gets.
        const msg = await renderFor(n, u).catch((err: Error) => err);
        const failed = msg instanceof Error;
        rows.push({
          id: clock.uuid(),
          occurrenceId: occ.id,
          notificationId: n.id,
          userId: u.id,
          channel: n.channel,
          status: failed ? 'dead' : off ? 'skipped' : quiet ? 'deferred' : 'queued',
          subject: failed ? '' : msg.subject,
          body: failed ? '' : msg.html,
          lastError: failed ? `render: ${msg.message}` : off ? `${n.channel} is turned off by the user` : null,
          deliverAfter: quiet ?? dueAt,
          createdAt: now,
          updatedAt: now,
        });
      }
      const inserted = await repo.insertDeliveries(tx, rows);
      recipients += page.length;
      await d.jobs.enqueueMany(
        tx,
        inserted
          .filter((r) => r.status === 'queued' || r.status === 'deferred')
          .map((r) => ({
            name: DELIVER_JOB,
            payload: { deliveryId: r.id } satisfies DeliverPayload,
            runAt: r.deliverAfter,
            idempotencyKey: deliveryKey(occ.id, r.userId, n.channel),
          })),
      );
      if (page.length < PAGE) break;
    }
    await repo.markDispatched(tx, occ.id, recipients, now);
    if (n.cron) {
      // A recurring notification gets its next occurrence; ticks missed while no scheduler ran are not replayed.
      const next = nextTick(n.cron, dueAt > now ? dueAt : now);
      await repo.insertOccurrence(tx, { id: clock.uuid(), notificationId: n.id, dueAt: next });
      await repo.setNotification(tx, n.id, { nextSend: next });
    } else {
      await repo.setNotification(tx, n.id, { status: 'completed', nextSend: null });
    }
    return recipients;
  }

  /** One statement when nothing is due (the index on pending due_at answers it). */
  async function anythingDue(now: Date) {
    const res = await db.execute(sql`select 1 from notifications.occurrences
      where status = 'pending' and due_at <= ${now.toISOString()}::timestamptz limit 1`);
    return (res as { rows: unknown[] }).rows.length > 0;
  }

  return {
    /** Dispatches every due occurrence; returns how many it fanned out. */
    async dispatchDue(): Promise<{ occurrences: number; recipients: number }> {
      let occurrences = 0;
      let recipients = 0;
      if (!(await anythingDue(clock.now()))) return { occurrences, recipients };
      for (;;) {
        const got = await db.transaction(async (tx) => {
          const [occ] = await repo.claimDue(tx, clock.now(), 1);
          if (!occ) return undefined;
          return fanOut(tx, occ);
        });
        if (got === undefined) break;
        occurrences++;
        recipients += got;
      }
      if (occurrences) d.jobs.wake();
      return { occurrences, recipients };
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
