import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Metrics } from '../observability/metrics.js';
import { scrapeGauges } from './gauges.js';
import { relayBatch, writeOutbox } from './outbox.js';
import {
  EVENT_NAME,
  type Delivery,
  type EventMap,
  type EventName,
  type HandlerOptions,
  type JobHandler,
  type JobSpec,
  type Outcome,
  type OutboxRow,
  type Transport,
} from './types.js';

export interface JobsOptions {
  db: Db;
  transport: Transport;
  clock: Clock;
  log: FastifyBaseLogger;
  metrics: Metrics;
  concurrency: number;
  maxAttempts: number;
  /** First retry delay in seconds; doubled on every further attempt. */
  retryBaseSeconds: number;
  pollSeconds: number;
  /** How long an idempotency key stays held without a heartbeat (a dead worker's key is free after it). */
  leaseSeconds: number;
}

export interface Jobs {
  readonly transport: Transport;
  /** Registers the handler of a job name (every process registers the same handlers). */
  register<P>(name: string, handler: JobHandler<P>, opts?: HandlerOptions<P>): void;
  /** In-process subscriber of an event; runs as its own durable job, so it retries independently. */
  subscribe<E extends EventName>(event: E, subscriber: string, handler: JobHandler<EventMap[E]>): void;
  /** Writes a job to the outbox in `tx` (the caller's transaction, or the database for a lone job). */
  enqueue<P>(tx: Db, spec: JobSpec<P>): Promise<string>;
  /** Writes many jobs to the outbox in one statement (fan-outs); returns their ids in order. */
  enqueueMany<P>(tx: Db, specs: JobSpec<P>[]): Promise<string[]>;
  /**
   * Writes an event to the outbox in `tx`: one durable job per subscriber this process knows, or, when it
   * knows none, the event itself, kept until a relay that knows its subscribers expands it.
   */
  publish<E extends EventName>(tx: Db, event: E, payload: EventMap[E]): Promise<void>;
  /** Tells this process's relay and workers that work was just committed. */
  wake(): void;
  /** One relay pass (the CLI and tests use it; workers relay continuously). Returns rows moved. */
  relayOnce(): Promise<number>;
  /** Runs the relay and the consumers; the returned function stops them gracefully. */
  start(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

interface Registered {
  run: JobHandler;
  opts: HandlerOptions;
}

/** The job system: outbox writes, relay, handler registry, retries with backoff, idempotency ledger, metrics. */
export function createJobs(o: JobsOptions): Jobs {
  const handlers = new Map<string, Registered>();
  const subscribers = new Map<string, string[]>();
  const enqueued = o.metrics.counter(
    'jobs_enqueued_total',
    'Jobs handed to the transport by the relay (their transaction committed)',
    ['name'],
  );
  const completed = o.metrics.counter('jobs_completed_total', 'Jobs finished (done or skipped)', ['name', 'result']);
  const failed = o.metrics.counter('jobs_failed_total', 'Failed job runs', ['name', 'final']);
  const duration = o.metrics.histogram('jobs_duration_seconds', 'Job run time', ['name']);
  scrapeGauges(o);
  let relayWake: (() => void) | undefined;
  const workerId = `${hostname()}:${process.pid}:${o.clock.token(4)}`;

  const backoff = (attempt: number) =>
    new Date(o.clock.now().getTime() + o.retryBaseSeconds * 1000 * 2 ** Math.max(0, attempt - 1));

  /** One job per subscriber of an event (at publish time, or when a relay moves an unexpanded event). */
  const perSubscriber = (r: Omit<OutboxRow, 'id'>, eventId: string) =>
    (subscribers.get(r.name) ?? []).map((sub) => ({
      ...r,
      kind: 'job' as const,
      name: `${r.name}@${sub}`,
      jobId: o.clock.uuid(),
      idempotencyKey: `${eventId}@${sub}`,
    }));
  const expand = (rows: OutboxRow[]): OutboxRow[] =>
    rows.flatMap((r) => (r.kind === 'event' ? perSubscriber(r, r.jobId).map((j) => ({ ...j, id: r.id })) : [r]));

  async function relay(): Promise<number> {
    const { moved, delivered } = await relayBatch(o.db, o.transport, o.clock.now(), expand, [...subscribers.keys()]);
    for (const r of delivered) if (r.kind !== 'retry') enqueued.labels(r.name).inc();
    return moved;
  }

  const rows = (res: unknown) => (res as { rows: { state?: string; lease_until?: string | Date }[] }).rows;
  const leaseEnd = () => new Date(o.clock.now().getTime() + o.leaseSeconds * 1000).toISOString();

  /** Takes the job's idempotency key: 'mine', 'done' (skip), or the time another run's lease ends. */
  async function takeKey(d: Delivery): Promise<'mine' | 'done' | Date> {
    const now = o.clock.now().toISOString();
    const taken = await o.db.execute(sql`
      insert into platform.jobs_done as k (idempotency_key, name, job_id, state, lease_until)
      values (${d.idempotencyKey}, ${d.name}, ${d.id}, 'running', ${leaseEnd()}::timestamptz)
      on conflict (idempotency_key) do update set job_id = excluded.job_id, lease_until = excluded.lease_until
        where k.state = 'running' and k.lease_until < ${now}::timestamptz
      returning state`);
    if (rows(taken).length) return 'mine';
    const [held] = rows(
      await o.db.execute(
        sql`select state, lease_until from platform.jobs_done where idempotency_key = ${d.idempotencyKey}`,
      ),
    );
    if (!held || held.state === 'done') return 'done';
    return new Date(new Date(held.lease_until ?? now).getTime() + 50);
  }

  /** Gives the job up: counted as a final failure, its onDead hook runs once. */
  async function die(d: Delivery, h: Registered, log: FastifyBaseLogger, error: string): Promise<Outcome> {
    failed.labels(d.name, 'true').inc();
    log.warn({ err: error, final: true }, 'job failed');
    await h.opts.onDead?.(d.payload, error).catch((e: unknown) => log.error({ err: e }, 'onDead failed'));
    return { kind: 'dead', error };
  }

  async function runOne(d: Delivery): Promise<Outcome> {
    const h = handlers.get(d.name);
    const log = o.log.child({ job: d.name, jobId: d.id, attempt: d.attempt });
    if (!h) {
      failed.labels(d.name, 'true').inc();
      return { kind: 'dead', error: `no handler registered for ${d.name}` };
    }
    const key = await takeKey(d);
    if (key === 'done') {
      completed.labels(d.name, 'duplicate').inc();
      return { kind: 'done' };
    }
    if (key !== 'mine') return { kind: 'defer', at: key };
    const mine = sql`idempotency_key = ${d.idempotencyKey} and job_id = ${d.id}`;
    // Free the key so that the retry (or a later enqueue after death) may take it.
    const freeKey = () =>
      o.db.execute(sql`delete from platform.jobs_done where ${mine} and state = 'running'`).catch(() => undefined);
    if (d.attempt > d.maxAttempts) {
      // The worker of the previous run died on the last attempt (killed, or the job kills it).
      await freeKey();
      return die(d, h, log, 'worker lost on the last attempt');
    }
    const heartbeat = setInterval(
      () =>
        void o.db
          .execute(sql`update platform.jobs_done set lease_until = ${leaseEnd()}::timestamptz where ${mine}`)
          .catch(() => undefined),
      Math.max(100, (o.leaseSeconds * 1000) / 3),
    );
    const end = duration.labels(d.name).startTimer();
    try {
      const result = await h.run(d.payload, { ...d, log });
      await o.db.execute(sql`update platform.jobs_done set state = 'done', lease_until = null,
        completed_at = ${o.clock.now().toISOString()}::timestamptz where ${mine}`);
      completed.labels(d.name, result === 'skipped' ? 'skipped' : 'done').inc();
      return { kind: 'done' };
    } catch (err) {
      await freeKey();
      const error = err instanceof Error ? err.message : String(err);
      if (d.attempt >= d.maxAttempts) return await die(d, h, log, error);
      failed.labels(d.name, 'false').inc();
      log.warn({ err: error, final: false }, 'job failed');
      return { kind: 'retry', at: backoff(d.attempt), error };
    } finally {
      clearInterval(heartbeat);
      end();
    }
  }

  async function enqueueMany<P>(tx: Db, specs: JobSpec<P>[]): Promise<string[]> {
    const rows = specs.map((spec) => ({
      kind: 'job' as const,
      name: spec.name,
      payload: spec.payload ?? null,
      runAt: spec.runAt ?? o.clock.now(),
      maxAttempts: spec.maxAttempts ?? handlers.get(spec.name)?.opts.maxAttempts ?? o.maxAttempts,
      attempts: 0,
      idempotencyKey: spec.idempotencyKey ?? null,
      jobId: o.clock.uuid(),
    }));
    await writeOutbox(tx, rows);
    return rows.map((r) => r.jobId);
  }

  return {
    transport: o.transport,
    register(name, handler, opts = {}) {
      handlers.set(name, { run: handler as JobHandler, opts: opts as HandlerOptions });
    },
    subscribe(event, subscriber, handler) {
      if (!EVENT_NAME.test(event)) throw new Error(`event name ${event} is not <module>.<entity>.<verb>`);
      subscribers.set(event, [...(subscribers.get(event) ?? []), subscriber]);
      handlers.set(`${event}@${subscriber}`, { run: handler as JobHandler, opts: {} });
    },
    async enqueue(tx, spec) {
      const [jobId] = await enqueueMany(tx, [spec]);
      return jobId!;
    },
    enqueueMany,
    async publish(tx, event, payload) {
      if (!EVENT_NAME.test(event)) throw new Error(`event name ${event} is not <module>.<entity>.<verb>`);
      const row = {
        kind: 'event' as const,
        name: event,
        payload,
        runAt: o.clock.now(),
        maxAttempts: o.maxAttempts,
        attempts: 0,
        idempotencyKey: null,
        jobId: o.clock.uuid(),
      };
      const jobs = perSubscriber(row, row.jobId);
      await writeOutbox(tx, jobs.length ? jobs : [row]);
    },
    wake() {
      relayWake?.();
      o.transport.wake();
    },
    relayOnce: relay,
    async start() {
      let stopping = false;
      const relayLoop = (async () => {
        while (!stopping) {
          let moved = 0;
          try {
            moved = await relay();
            if (moved) o.transport.wake();
          } catch (err) {
            if (!stopping) o.log.warn({ err: (err as Error).message }, 'outbox relay failed; retrying');
          }
          if (!moved && !stopping) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, o.pollSeconds * 1000);
              relayWake = () => {
                clearTimeout(t);
                resolve();
              };
            });
            relayWake = undefined;
          }
        }
      })();
      const stopRelay = async () => {
        stopping = true;
        relayWake?.();
        await relayLoop;
      };
      let stopConsumer: () => Promise<void>;
      try {
        stopConsumer = await o.transport.consume(runOne, { concurrency: o.concurrency, workerId });
      } catch (err) {
        // Nothing runs half-started: the caller sees the failure and may start again.
        await stopRelay();
        throw err;
      }
      return async () => {
        await stopRelay();
        await stopConsumer();
      };
    },
    close: () => o.transport.close(),
  };
}
