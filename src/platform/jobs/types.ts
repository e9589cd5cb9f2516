import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';

/**
 * Typed events: a module declares its events by augmenting this map
 * (`declare module '.../platform/jobs/types.js' { interface EventMap { 'messenger.message.created': {...} } }`).
 * Names follow `<module>.<entity>.<verb>`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EventMap {}
export type EventName = keyof EventMap & string;
export const EVENT_NAME = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/** A job as a service asks for it; written to the outbox in the caller's transaction. */
export interface JobSpec<P = unknown> {
  name: string;
  payload: P;
  /** Not before this time (delayed job). */
  runAt?: Date;
  maxAttempts?: number;
  /**
   * A job with a key that already completed is never run again; enqueues of a waiting or running key
   * collapse; a key whose job died may be enqueued again (and runs).
   */
  idempotencyKey?: string;
}

export interface JobContext {
  id: string;
  name: string;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
  idempotencyKey: string;
  log: FastifyBaseLogger;
}

/** "skipped" when the job's target is gone (deleted task, removed row): counted, not retried. */
export type JobResult = void | 'skipped';
export type JobHandler<P = unknown> = (payload: P, job: JobContext) => Promise<JobResult>;

export interface HandlerOptions<P = unknown> {
  maxAttempts?: number;
  /** Called once when the job is given up (dead), e.g. to mark its target FAILED. */
  onDead?(payload: P, error: string): Promise<void>;
}

/**
 * An outbox row as the relay hands it to a transport. `job`: a new job; `event`: an event that no publisher
 * could expand (one job per subscriber when a relay that knows its subscribers moves it); `retry`: a job
 * coming back for another run (RabbitMQ retries and deferrals), not counted as enqueued again.
 */
export interface OutboxRow {
  id: number;
  kind: 'job' | 'event' | 'retry';
  name: string;
  payload: unknown;
  runAt: Date;
  maxAttempts: number;
  attempts: number;
  idempotencyKey: string | null;
  jobId: string;
}

/** One job handed to a worker by a transport. */
export interface Delivery {
  id: string;
  name: string;
  payload: unknown;
  /** Attempt number of this run (1-based); above maxAttempts when an earlier run's worker died on the last one. */
  attempt: number;
  maxAttempts: number;
  idempotencyKey: string;
}

export type Outcome =
  | { kind: 'done' }
  /** Another worker holds the job's idempotency key: try again at `at`, without spending an attempt. */
  | { kind: 'defer'; at: Date }
  | { kind: 'retry'; at: Date; error: string }
  | { kind: 'dead'; error: string };

export interface ConsumeOptions {
  concurrency: number;
  workerId: string;
}

/** Where jobs wait between the relay and a worker: the embedded Postgres table or RabbitMQ. */
export interface Transport {
  readonly kind: 'embedded' | 'rabbitmq';
  /** Whether the relay may move rows before they are due (the embedded queue keeps run_at itself). */
  readonly holdsDelayed: boolean;
  /** Called by the relay inside its transaction; throwing keeps the rows in the outbox. */
  deliver(tx: Db, rows: OutboxRow[]): Promise<void>;
  /** Starts consuming; the returned function stops taking jobs and finishes (or releases) running ones. */
  consume(run: (d: Delivery) => Promise<Outcome>, opts: ConsumeOptions): Promise<() => Promise<void>>;
  /** Jobs waiting in the transport (not counting the outbox). */
  depth(): Promise<number>;
  /** Jobs given up (dead state, or the dead-letter queue). */
  dead(): Promise<number>;
  /** Wakes idle consumers (new work was just committed in this process). */
  wake(): void;
  close(): Promise<void>;
}
