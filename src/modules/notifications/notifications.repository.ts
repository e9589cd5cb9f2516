import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import {
  capturedMail,
  deliveries,
  notifications,
  occurrences,
  preferences,
  templates,
} from './notifications.tables.js';

export type TemplateRow = typeof templates.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
export type OccurrenceRow = typeof occurrences.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type NewDelivery = typeof deliveries.$inferInsert;
export type PreferencesRow = typeof preferences.$inferSelect;
export type MailRow = typeof capturedMail.$inferSelect;

const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;

/** Every SQL statement of the notifications module; each takes the executor, so services decide transactions. */
export const notificationsRepository = {
  listTemplates: async (db: Db, limit: number, offset: number) =>
    db.select().from(templates).orderBy(templates.createdAt, templates.id).limit(limit).offset(offset),
  templateById: async (db: Db, id: string) => (await db.select().from(templates).where(eq(templates.id, id)))[0],
  insertTemplate: async (db: Db, values: typeof templates.$inferInsert) =>
    (await db.insert(templates).values(values).returning())[0]!,
  updateTemplate: async (db: Db, id: string, patch: Partial<typeof templates.$inferInsert>) =>
    (await db.update(templates).set(patch).where(eq(templates.id, id)).returning())[0],
  deleteTemplate: async (db: Db, id: string) =>
    (await db.delete(templates).where(eq(templates.id, id)).returning({ id: templates.id }))[0],

  insertNotification: async (db: Db, values: typeof notifications.$inferInsert) =>
    (await db.insert(notifications).values(values).returning())[0]!,
  notificationById: async (db: Db, id: string) =>
    (await db.select().from(notifications).where(eq(notifications.id, id)))[0],
  insertOccurrence: async (db: Db, values: typeof occurrences.$inferInsert) =>
    db.insert(occurrences).values(values).onConflictDoNothing(),
  setNotification: async (db: Db, id: string, patch: Partial<typeof notifications.$inferInsert>) =>
    db.update(notifications).set(patch).where(eq(notifications.id, id)),

  /**
   * Cancels a notification and its pending occurrences; false when it was not active. The occurrences are
   * locked first, in the scheduler's order (it holds an occurrence, then updates its notification): the other
   * order deadlocks against a send being fanned out.
   */
  cancel: async (db: Db, id: string) => {
    await db
      .update(occurrences)
      .set({ status: 'cancelled' })
      .where(and(eq(occurrences.notificationId, id), eq(occurrences.status, 'pending')));
    const done = await db
      .update(notifications)
      .set({ status: 'cancelled', nextSend: null })
      .where(and(eq(notifications.id, id), eq(notifications.status, 'active')))
      .returning({ id: notifications.id });
    return done.length > 0;
  },

  dispatchedCount: async (db: Db, notificationId: string) =>
    (
      await db
        .select({ n: count() })
        .from(occurrences)
        .where(and(eq(occurrences.notificationId, notificationId), eq(occurrences.status, 'dispatched')))
    )[0]?.n ?? 0,
  deliveryCounts: async (db: Db, notificationId: string) =>
    db
      .select({ status: deliveries.status, n: count() })
      .from(deliveries)
      .where(eq(deliveries.notificationId, notificationId))
      .groupBy(deliveries.status),

  /** Locks up to `limit` due occurrences; other schedulers skip them (FOR UPDATE SKIP LOCKED). */
  claimDue: async (db: Db, now: Date, limit: number) =>
    rowsOf<{ id: string; notification_id: string; due_at: string | Date; cursor: string | null }>(
      await db.execute(sql`select id, notification_id, due_at, cursor from notifications.occurrences
        where status = 'pending' and due_at <= ${now.toISOString()}::timestamptz
        order by due_at limit ${limit} for update skip locked`),
    ),
  /** The last page is written: the occurrence is dispatched (its recipients counted page by page). */
  markDispatched: async (db: Db, id: string, lastPage: number, now: Date) =>
    db
      .update(occurrences)
      .set({ status: 'dispatched', recipients: sql`${occurrences.recipients} + ${lastPage}`, dispatchedAt: now })
      .where(eq(occurrences.id, id)),
  advanceCursor: async (db: Db, id: string, cursor: string, page: number) =>
    db
      .update(occurrences)
      .set({ cursor, recipients: sql`${occurrences.recipients} + ${page}` })
      .where(eq(occurrences.id, id)),
  markOccurrenceCancelled: async (db: Db, id: string) =>
    db.update(occurrences).set({ status: 'cancelled' }).where(eq(occurrences.id, id)),

  /** History rows of one page of recipients; a row that exists already (a re-run) is not returned. */
  insertDeliveries: async (db: Db, rows: NewDelivery[]) =>
    rows.length
      ? db.insert(deliveries).values(rows).onConflictDoNothing().returning({
          id: deliveries.id,
          userId: deliveries.userId,
          status: deliveries.status,
          deliverAfter: deliveries.deliverAfter,
        })
      : [],
  preferencesOf: async (db: Db, userIds: string[]) =>
    userIds.length ? db.select().from(preferences).where(inArray(preferences.userId, userIds)) : [],

  /** A delivery with what is needed to send it. */
  deliveryForSend: async (db: Db, id: string) =>
    (
      await db
        .select({ delivery: deliveries, notification: notifications })
        .from(deliveries)
        .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
        .where(eq(deliveries.id, id))
    )[0],
  startAttempt: async (db: Db, id: string, now: Date) =>
    db
      .update(deliveries)
      .set({ attempts: sql`${deliveries.attempts} + 1`, updatedAt: now })
      .where(eq(deliveries.id, id)),
  setDelivery: async (db: Db, id: string, patch: Partial<NewDelivery>) =>
    db.update(deliveries).set(patch).where(eq(deliveries.id, id)),

  historyOf: async (db: Db, userId: string, limit: number) =>
    db
      .select()
      .from(deliveries)
      .where(eq(deliveries.userId, userId))
      .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
      .limit(limit),
  deliveriesOf: async (db: Db, notificationId: string, status: string | undefined, limit: number) =>
    db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.notificationId, notificationId), status ? eq(deliveries.status, status) : undefined))
      .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
      .limit(limit),

  preferencesById: async (db: Db, userId: string) =>
    (await db.select().from(preferences).where(eq(preferences.userId, userId)))[0],
  upsertPreferences: async (db: Db, values: typeof preferences.$inferInsert) =>
    (
      await db
        .insert(preferences)
        .values(values)
        .onConflictDoUpdate({ target: preferences.userId, set: { ...values, userId: undefined } })
        .returning()
    )[0]!,

  deliveryById: async (db: Db, id: string) => (await db.select().from(deliveries).where(eq(deliveries.id, id)))[0],
  /** A dead delivery back to queued (only while it is dead: of two concurrent requests one gets the row). */
  requeueDead: async (db: Db, id: string, now: Date) =>
    (
      await db
        .update(deliveries)
        .set({ status: 'queued', lastError: null, deliverAfter: now, updatedAt: now })
        .where(and(eq(deliveries.id, id), eq(deliveries.status, 'dead')))
        .returning()
    )[0],
  mailById: async (db: Db, id: string) => (await db.select().from(capturedMail).where(eq(capturedMail.id, id)))[0],
  insertMail: async (db: Db, values: typeof capturedMail.$inferInsert) => db.insert(capturedMail).values(values),
  listMail: async (db: Db, limit: number, to?: string) =>
    db
      .select()
      .from(capturedMail)
      .where(to ? eq(capturedMail.to, to) : undefined)
      .orderBy(desc(capturedMail.createdAt), desc(capturedMail.id))
      .limit(limit),
};
