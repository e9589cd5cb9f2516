import { and, asc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { digests, knownDevices, produced } from './notifications.tables.js';

/** The SQL of the producers' bookkeeping: event keys, known devices, digest counters. */
export const producersRepository = {
  /** True the first time `key` is seen (and records it). */
  firstTime: async (db: Db, key: string, userId: string) =>
    (await db.insert(produced).values({ key, userId }).onConflictDoNothing().returning({ key: produced.key })).length >
    0,

  /** Records a device of a user seen at `at`: whether it is new, and whether another was used before `at`. */
  rememberDevice: async (db: Db, userId: string, device: string, at: Date) => {
    const added = await db
      .insert(knownDevices)
      .values({ userId, device, firstSeenAt: at })
      .onConflictDoNothing()
      .returning({ device: knownDevices.device });
    if (!added.length) return { isNew: false, knownBefore: true };
    const [other] = await db
      .select({ device: knownDevices.device })
      .from(knownDevices)
      .where(
        and(
          eq(knownDevices.userId, userId),
          sql`${knownDevices.device} <> ${device}`,
          sql`${knownDevices.firstSeenAt} < ${at.toISOString()}::timestamptz`,
        ),
      )
      .limit(1);
    return { isNew: true, knownBefore: Boolean(other) };
  },

  /** Counts a message for each user's next digest (one statement for all of them). */
  addToDigests: async (db: Db, userIds: string[], chatId: string, now: Date) =>
    db
      .insert(digests)
      .values(userIds.map((userId) => ({ userId, pending: 1, chatIds: [chatId], updatedAt: now })))
      .onConflictDoUpdate({
        target: digests.userId,
        set: {
          pending: sql`${digests.pending} + 1`,
          chatIds: sql`case when ${chatId} = any(${digests.chatIds}) then ${digests.chatIds}
            else array_append(${digests.chatIds}, ${chatId}::text) end`,
          updatedAt: now,
        },
      }),

  /** Digests with pending messages whose last one went out before `before` (or never), locked for this run. */
  dueDigests: async (db: Db, before: Date, limit: number) =>
    db
      .select()
      .from(digests)
      .where(and(sql`${digests.pending} > 0`, or(isNull(digests.lastSentAt), lte(digests.lastSentAt, before))))
      .orderBy(asc(digests.lastSentAt))
      .limit(limit)
      .for('update', { skipLocked: true }),

  digestSent: async (db: Db, userId: string, now: Date) =>
    db
      .update(digests)
      .set({ pending: 0, chatIds: [], lastSentAt: now, updatedAt: now })
      .where(eq(digests.userId, userId)),
};
