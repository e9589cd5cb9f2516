import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import type { ConsumeOptions, Delivery, Outcome, OutboxRow, Transport } from './types.js';

interface Claimed {
  id: string;
  name: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  idempotency_key: string | null;
}

const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;
const iso = (d: Date) => d.toISOString();

export interface EmbeddedOptions {
  db: Db;
  log: FastifyBaseLogger;
  now: () => Date;
  /** How long a claimed job stays locked without a heartbeat (a killed worker's job is re-run after it). */
  leaseSeconds: number;
  pollSeconds: number;
  /** How long stop() waits for running jobs before releasing them. */
  graceSeconds: number;
}

/**
 * The default transport: jobs in platform.jobs, claimed with FOR UPDATE SKIP LOCKED by any number of
 * worker loops (in one process or many on PostgreSQL). A running job's lease is extended by a heartbeat;
 * when its worker dies the lease runs out and another worker claims it again.
 */
export function embeddedTransport(o: EmbeddedOptions): Transport {
  const { db } = o;
  const wakers = new Set<() => void>();
  return {
    kind: 'embedded',
    holdsDelayed: true,
    async deliver(tx, rows: OutboxRow[]) {
      for (const r of rows) {
        const values = sql`(${r.jobId}, ${r.name}, ${JSON.stringify(r.payload)}::jsonb, ${r.attempts}, ${r.maxAttempts},
                  ${iso(r.runAt)}::timestamptz, ${r.idempotencyKey})`;
        // A key of a pending, running or done job collapses the enqueue; a dead job's key is enqueued afresh
        // (its ledger entry was freed when it died), as it would be on RabbitMQ.
        await tx.execute(
          r.idempotencyKey === null
            ? sql`insert into platform.jobs (id, name, payload, attempts, max_attempts, run_at, idempotency_key)
                values ${values} on conflict do nothing`
            : sql`insert into platform.jobs as j (id, name, payload, attempts, max_attempts, run_at, idempotency_key)
                values ${values}
                on conflict (idempotency_key) do update set id = excluded.id, name = excluded.name,
                  payload = excluded.payload, status = 'pending', attempts = excluded.attempts,
                  max_attempts = excluded.max_attempts, run_at = excluded.run_at, locked_by = null,
                  locked_until = null, last_error = null, created_at = now(), finished_at = null
                where j.status = 'dead'`,
        );
      }
    },
    async consume(run, opts: ConsumeOptions) {
      let stopping = false;
      const running = new Map<string, Promise<void>>();
      let sleeper: (() => void) | undefined;
      const wake = () => sleeper?.();
      wakers.add(wake);

      const claim = async (n: number): Promise<Claimed[]> => {
        const now = o.now();
        const until = new Date(now.getTime() + o.leaseSeconds * 1000);
        const res = await db.execute(sql`
          update platform.jobs j set status = 'running', attempts = j.attempts + 1,
            locked_by = ${opts.workerId}, locked_until = ${iso(until)}::timestamptz
          where j.id in (
            select id from platform.jobs
            where (status = 'pending' and run_at <= ${iso(now)}::timestamptz)
               or (status = 'running' and locked_until < ${iso(now)}::timestamptz)
            order by run_at limit ${n} for update skip locked)
          returning j.id, j.name, j.payload, j.attempts, j.max_attempts, j.idempotency_key`);
        return rowsOf<Claimed>(res);
      };

      const finish = async (id: string, out: Outcome) => {
        const mine = sql`id = ${id} and locked_by = ${opts.workerId}`;
        if (out.kind === 'done') {
          await db.execute(sql`update platform.jobs set status = 'done', finished_at = ${iso(o.now())}::timestamptz,
            locked_by = null, locked_until = null where ${mine}`);
        } else if (out.kind === 'defer') {
          await db.execute(sql`update platform.jobs set status = 'pending', run_at = ${iso(out.at)}::timestamptz,
            attempts = attempts - 1, locked_by = null, locked_until = null where ${mine}`);
        } else if (out.kind === 'retry') {
          await db.execute(sql`update platform.jobs set status = 'pending', run_at = ${iso(out.at)}::timestamptz,
            last_error = ${out.error}, locked_by = null, locked_until = null where ${mine}`);
        } else {
          await db.execute(sql`update platform.jobs set status = 'dead', last_error = ${out.error},
            finished_at = ${iso(o.now())}::timestamptz, locked_by = null, locked_until = null where ${mine}`);
        }
      };

      const execute = async (c: Claimed) => {
        const heartbeat = setInterval(
          () => {
            const until = new Date(o.now().getTime() + o.leaseSeconds * 1000);
            db.execute(
              sql`update platform.jobs set locked_until = ${iso(until)}::timestamptz
              where id = ${c.id} and locked_by = ${opts.workerId}`,
            ).catch(() => undefined);
          },
          Math.max(100, (o.leaseSeconds * 1000) / 3),
        );
        try {
          const d: Delivery = {
            id: c.id,
            name: c.name,
            payload: c.payload,
            attempt: c.attempts,
            maxAttempts: c.max_attempts,
            idempotencyKey: c.idempotency_key ?? c.id,
          };
          // A lease that ran out on the last attempt comes back with attempt > maxAttempts: `run` gives it up.
          await finish(c.id, await run(d));
        } finally {
          clearInterval(heartbeat);
        }
      };

      const loop = (async () => {
        while (!stopping) {
          const free = opts.concurrency - running.size;
          let got = 0;
          if (free > 0) {
            try {
              const claimed = await claim(free);
              got = claimed.length;
              for (const c of claimed) {
                const p = execute(c)
                  .catch((err: unknown) => o.log.error({ err, job: c.name }, 'job bookkeeping failed'))
                  .finally(() => {
                    running.delete(c.id);
                    wake();
                  });
                running.set(c.id, p);
              }
            } catch (err) {
              if (!stopping) o.log.warn({ err: (err as Error).message }, 'job claim failed');
            }
          }
          if (got === 0 || running.size >= opts.concurrency) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, o.pollSeconds * 1000);
              sleeper = () => {
                clearTimeout(t);
                resolve();
              };
            });
            sleeper = undefined;
          }
        }
      })();

      return async () => {
        stopping = true;
        wake();
        wakers.delete(wake);
        await loop;
        const all = Promise.allSettled(running.values());
        const timedOut = await Promise.race([
          all.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), o.graceSeconds * 1000).unref()),
        ]);
        if (timedOut && running.size) {
          // Hand unfinished jobs back at once instead of waiting for their lease to run out.
          const ids = [...running.keys()];
          await db.execute(sql`update platform.jobs set status = 'pending', attempts = attempts - 1,
            locked_by = null, locked_until = null
            where locked_by = ${opts.workerId} and id in (${sql.join(ids, sql`, `)})`);
        }
      };
    },
    async depth() {
      const res = await db.execute(
        sql`select count(*)::int as n from platform.jobs where status in ('pending', 'running')`,
      );
      return Number(rowsOf<{ n: number }>(res)[0]?.n ?? 0);
    },
    async dead() {
      const res = await db.execute(sql`select count(*)::int as n from platform.jobs where status = 'dead'`);
      return Number(rowsOf<{ n: number }>(res)[0]?.n ?? 0);
    },
    wake() {
      for (const w of wakers) w();
    },
    async close() {
      wakers.clear();
    },
  };
}
