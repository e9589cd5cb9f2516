import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** Tables of the platform itself (jobs, outbox), in their own schema; migrated before every module. */
export const platform = pgSchema('platform');

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The transactional outbox: services write here inside their own transaction; the relay moves committed,
 * due rows to the transport. `kind` is 'job' (one handler) or 'event' (one job per subscriber).
 */
export const outbox = platform.table(
  'outbox',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text().notNull(),
    name: text().notNull(),
    payload: jsonb().notNull(),
    runAt: ts('run_at').notNull(),
    maxAttempts: integer().notNull(),
    /** Attempts already spent (a RabbitMQ retry comes back through the outbox with its count). */
    attempts: integer().notNull().default(0),
    idempotencyKey: text(),
    jobId: uuid().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('outbox_run_at_idx').on(t.runAt, t.id)],
);

/** The embedded transport's queue. status: pending → running → done | dead (retries go back to pending). */
export const jobs = platform.table(
  'jobs',
  {
    id: uuid().primaryKey(),
    name: text().notNull(),
    payload: jsonb().notNull(),
    status: text().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    maxAttempts: integer().notNull(),
    runAt: ts('run_at').notNull(),
    lockedBy: text(),
    lockedUntil: ts('locked_until'),
    idempotencyKey: text(),
    lastError: text(),
    createdAt: ts('created_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    index('jobs_due_idx')
      .on(t.runAt)
      .where(sql`status = 'pending'`),
    index('jobs_lease_idx')
      .on(t.lockedUntil)
      .where(sql`status = 'running'`),
    uniqueIndex('jobs_idempotency_key').on(t.idempotencyKey),
  ],
);

/**
 * Idempotency ledger, one row per key: 'running' while a worker holds it (until lease_until, extended by a
 * heartbeat), then 'done'. A duplicate delivery is skipped when done and deferred while another run holds it.
 */
export const jobsDone = platform.table('jobs_done', {
  idempotencyKey: text().primaryKey(),
  name: text().notNull(),
  jobId: uuid().notNull(),
  state: text().notNull().default('running'),
  leaseUntil: ts('lease_until'),
  completedAt: ts('completed_at'),
});
