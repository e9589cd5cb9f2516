import { sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { outbox } from '../platform.tables.js';
import type { OutboxRow, Transport } from './types.js';

export type NewOutboxRow = Omit<OutboxRow, 'id'>;

/** Writes rows in the caller's transaction: they exist only if that transaction commits. */
export async function writeOutbox(tx: Db, rows: NewOutboxRow[]): Promise<void> {
  if (rows.length) await tx.insert(outbox).values(rows);
}

interface RawRow {
  id: string | number;
  kind: OutboxRow['kind'];
  name: string;
  payload: unknown;
  run_at: string | Date;
  max_attempts: number;
  attempts: number;
  idempotency_key: string | null;
  job_id: string;
}

const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;

/**
 * Moves one batch of committed outbox rows to the transport and deletes them, in one transaction:
 * SKIP LOCKED lets several relays share the work; if delivery throws, the rows stay for the next pass.
 * Event rows are taken only for `events` (those this process knows subscribers of): any other event row
 * stays until a relay that knows its subscribers comes by, so an event is never dropped by a bare process.
 * Delivery is at least once (a crash after a RabbitMQ confirm but before commit resends); handlers are idempotent.
 * Returns the rows as delivered (events expanded), once the transaction committed.
 */
export async function relayBatch(
  db: Db,
  transport: Transport,
  now: Date,
  expand: (rows: OutboxRow[]) => OutboxRow[],
  events: string[],
  batch = 200,
): Promise<{ moved: number; delivered: OutboxRow[] }> {
  return db.transaction(async (tx) => {
    const due = transport.holdsDelayed ? sql`true` : sql`run_at <= ${now.toISOString()}::timestamptz`;
    const known = events.length ? sql`kind <> 'event' or name in (${sql.join(events, sql`, `)})` : sql`kind <> 'event'`;
    const res = await tx.execute(sql`
      select id, kind, name, payload, run_at, max_attempts, attempts, idempotency_key, job_id
      from platform.outbox where ${due} and (${known}) order by id limit ${batch} for update skip locked`);
    const raw = rowsOf<RawRow>(res);
    if (!raw.length) return { moved: 0, delivered: [] };
    const rows: OutboxRow[] = raw.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      name: r.name,
      payload: r.payload,
      runAt: new Date(r.run_at),
      maxAttempts: r.max_attempts,
      attempts: r.attempts,
      idempotencyKey: r.idempotency_key,
      jobId: r.job_id,
    }));
    const delivered = expand(rows);
    await transport.deliver(tx as unknown as Db, delivered);
    const ids = rows.map((r) => r.id);
    await tx.execute(sql`delete from platform.outbox where id in (${sql.join(ids, sql`, `)})`);
    return { moved: rows.length, delivered };
  });
}

export async function outboxDepth(db: Db): Promise<number> {
  const res = await db.execute(sql`select count(*)::int as n from platform.outbox`);
  return Number(rowsOf<{ n: number }>(res)[0]?.n ?? 0);
}
