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
 * The scheduler: claims a due occurrence with FOR UPDATE SKIP LOCKED, so that any number of schedulers (workers)
 * share the work and no page of recipients is fanned out twice. Each transaction writes one page: a history row
 * and a delivery job per recipient (also idempotent by (occurrence, recipient, channel)) and the occurrence's
 * cursor, so a large audience never holds one long transaction, and a scheduler that dies mid-way loses only
 * its uncommitted page, which the next claim writes again.
 */
export function createDispatcher(d: DispatchDeps) {
  const { db, clock } = d;

  /**
   * Fans out one page of recipients of a claimed occurrence (its row is locked by this transaction): history
   * rows and jobs for the recipients after its cursor. A full page moves the cursor and leaves the occurrence
   * pending, so the next transaction (of any scheduler) takes the next page; the last page marks it dispatched
   * and schedules the next one of a recurring notification.
   */
  async function fanOutPage(
    tx: Db,
    occ: { id: string; notification_id: string; due_at: string | Date; cursor: string | null },
  ): Promise<{ recipients: number; finished: boolean }> {
    const now = clock.now();
    const dueAt = new Date(occ.due_at);
    const n = await repo.notificationById(tx, occ.notification_id);
    if (!n || n.status !== 'active') {
      await repo.markOccurrenceCancelled(tx, occ.id);
      return { recipients: 0, finished: true };
    }
    const page = await d.identity.directory.page(tx, n.distribution, occ.cursor, PAGE);
    if (page.length) {
      const ids = page.map((u) => u.id);
      const prefs = new Map((await repo.preferencesOf(tx, ids)).map((p) => [p.userId, p]));
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
    }
    if (page.length === PAGE) {
      await repo.advanceCursor(tx, occ.id, page[page.length - 1]!.id, page.length);
      return { recipients: page.length, finished: false };
    }
    await repo.markDispatched(tx, occ.id, page.length, now);
    if (n.cron) {
      // A recurring notification gets its next occurrence; ticks missed while no scheduler ran are not replayed.
      const next = nextTick(n.cron, dueAt > now ? dueAt : now);
      await repo.insertOccurrence(tx, { id: clock.uuid(), notificationId: n.id, dueAt: next });
      await repo.setNotification(tx, n.id, { nextSend: next });
    } else {
      await repo.setNotification(tx, n.id, { status: 'completed', nextSend: null });
    }
    return { recipients: page.length, finished: true };
  }

  /** One statement when nothing is due (the index on pending due_at answers it). */
  async function anythingDue(now: Date) {
    const res = await db.execute(sql`select 1 from notifications.occurrences
      where status = 'pending' and due_at <= ${now.toISOString()}::timestamptz limit 1`);
    return (res as { rows: unknown[] }).rows.length > 0;
  }

  return {
    /**
     * Sends a dead delivery again (the panel's "Send again", once the cause is fixed): its history row goes back
     * to queued and a new delivery job is written in the same transaction, under a key of its own (the dead
     * job's key may be spent). The message is the one rendered at dispatch; a delivery whose template failed to
     * render has none, so it is refused — fix the template and send anew.
     */
    async redeliver(id: string): Promise<'queued' | 'not-found' | 'not-dead' | 'not-rendered'> {
      const outcome = await db.transaction(async (tx) => {
        const row = await repo.deliveryById(tx, id);
        if (!row) return 'not-found' as const;
        if (row.status !== 'dead') return 'not-dead' as const;
        if (!row.subject && !row.body) return 'not-rendered' as const;
        const queued = await repo.requeueDead(tx, id, clock.now());
        if (!queued) return 'not-dead' as const;
        await d.jobs.enqueueMany(tx, [
          {
            name: DELIVER_JOB,
            payload: { deliveryId: id } satisfies DeliverPayload,
            idempotencyKey: `${deliveryKey(row.occurrenceId, row.userId, row.channel)}:again:${row.attempts}`,
          },
        ]);
        return 'queued' as const;
      });
      if (outcome === 'queued') d.jobs.wake();
      return outcome;
    },

    /** Dispatches every due occurrence; returns how many it fanned out. */
    async dispatchDue(): Promise<{ occurrences: number; recipients: number }> {
      let occurrences = 0;
      let recipients = 0;
      if (!(await anythingDue(clock.now()))) return { occurrences, recipients };
      for (;;) {
        const got = await db.transaction(async (tx) => {
          const [occ] = await repo.claimDue(tx, clock.now(), 1);
          return occ ? fanOutPage(tx, occ) : undefined;
        });
        if (got === undefined) break;
        if (got.finished) occurrences++;
        recipients += got.recipients;
        // Jobs of this page are committed: workers may start on them while the next page is written.
        d.jobs.wake();
      }
      return { occurrences, recipients };
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
