import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const notificationsSchema = pgSchema('notifications');

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Liquid sources of a subject and a body (validated on write). */
export const templates = notificationsSchema.table(
  'templates',
  {
    id: uuid().primaryKey(),
    subject: text().notNull(),
    body: text().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('templates_created_idx').on(t.createdAt, t.id)],
);

/** Who receives a notification: listed users, members of roles, or every active account. */
export interface Distribution {
  users?: string[];
  roles?: string[];
  all?: boolean;
}

/**
 * A notification: its sources (copied from the template when it was made from one, so that editing the template
 * does not change what was scheduled), channel and schedule. status: active → completed | cancelled.
 */
export const notifications = notificationsSchema.table(
  'notifications',
  {
    id: uuid().primaryKey(),
    templateId: uuid(),
    subject: text().notNull(),
    body: text().notNull(),
    context: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    channel: text().notNull(),
    cron: text(),
    nextSend: ts('next_send'),
    distribution: jsonb().$type<Distribution>().notNull(),
    urgent: boolean().notNull().default(false),
    status: text().notNull().default('active'),
    createdBy: uuid(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('notifications_created_idx').on(t.createdAt),
    // The admin panel's list filtered by status, newest first.
    index('notifications_status_created_idx').on(t.status, t.createdAt, t.id),
  ],
);

/** One send of a notification (a recurring one has one per cron tick). status: pending → dispatched | cancelled. */
export const occurrences = notificationsSchema.table(
  'occurrences',
  {
    id: uuid().primaryKey(),
    notificationId: uuid()
      .notNull()
      .references(() => notifications.id, { onDelete: 'cascade' }),
    dueAt: ts('due_at').notNull(),
    status: text().notNull().default('pending'),
    recipients: integer().notNull().default(0),
    /** The last recipient id fanned out (recipients go in id order, one page per transaction). */
    cursor: uuid(),
    dispatchedAt: ts('dispatched_at'),
  },
  (t) => [
    uniqueIndex('occurrences_notification_due_key').on(t.notificationId, t.dueAt),
    index('occurrences_due_idx')
      .on(t.dueAt)
      .where(sql`status = 'pending'`),
  ],
);

/**
 * One recipient of one occurrence on one channel: the history row, and the unit of delivery.
 * status: queued | deferred (quiet hours) → sent | failed (retrying) → dead; skipped when the channel is off.
 */
export const deliveries = notificationsSchema.table(
  'deliveries',
  {
    id: uuid().primaryKey(),
    occurrenceId: uuid()
      .notNull()
      .references(() => occurrences.id, { onDelete: 'cascade' }),
    notificationId: uuid().notNull(),
    userId: uuid().notNull(),
    channel: text().notNull(),
    status: text().notNull(),
    subject: text().notNull().default(''),
    body: text().notNull().default(''),
    attempts: integer().notNull().default(0),
    lastError: text(),
    deliverAfter: ts('deliver_after').notNull(),
    sentAt: ts('sent_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('deliveries_once_key').on(t.occurrenceId, t.userId, t.channel),
    index('deliveries_user_idx').on(t.userId, t.createdAt, t.id),
    index('deliveries_notification_idx').on(t.notificationId, t.status),
    index('deliveries_notification_time_idx').on(t.notificationId, t.createdAt, t.id),
  ],
);

/** A user's delivery preferences: time zone, quiet window (local HH:MM, may wrap midnight), channels off. */
export const preferences = notificationsSchema.table('preferences', {
  userId: uuid().primaryKey(),
  timeZone: text().notNull().default('UTC'),
  quietStart: text(),
  quietEnd: text(),
  channelsOff: text()
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Mail captured in embedded mode (no SMTP_URL): what would have been sent, readable through the API. */
export const capturedMail = notificationsSchema.table(
  'captured_mail',
  {
    id: uuid().primaryKey(),
    deliveryId: uuid(),
    to: text().notNull(),
    subject: text().notNull(),
    html: text().notNull(),
    text: text().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('captured_mail_created_idx').on(t.createdAt, t.id),
    index('captured_mail_to_idx').on(t.to, t.createdAt),
  ],
);

/** Devices (user-agent digests) a user signed in from: a sign-in from one not listed here is announced by email. */
export const knownDevices = notificationsSchema.table(
  'known_devices',
  {
    userId: uuid().notNull(),
    device: text().notNull(),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.device] })],
);

/** Messenger messages waiting for a user's next email digest (at most one per NOTIFICATIONS_DIGEST_INTERVAL). */
export const digests = notificationsSchema.table(
  'digests',
  {
    userId: uuid().primaryKey(),
    pending: integer().notNull().default(0),
    chatIds: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    lastSentAt: ts('last_sent_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('digests_pending_idx')
      .on(t.lastSentAt)
      .where(sql`pending > 0`),
  ],
);

/** Events already turned into a notification (a redelivered event finds its key and notifies no one again). */
export const produced = notificationsSchema.table('produced', {
  key: text().primaryKey(),
  userId: uuid().notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});
