import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'drizzle-orm';
import type { Config } from '../../config.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { ScheduledTask } from '../http/module.js';
import type { Metrics } from '../observability/metrics.js';
import { embeddedTransport } from './embedded.js';
import { createJobs, type Jobs } from './jobs.js';
import { rabbitTransport } from './rabbitmq.js';

export type { Jobs } from './jobs.js';
export type { EventMap, EventName, JobContext, JobHandler, JobResult, JobSpec, HandlerOptions } from './types.js';
export { startScheduler } from './scheduler.js';

/** The job system of an app: RabbitMQ when AMQP_URL is set, the Postgres queue otherwise. */
export function jobsFromConfig(
  config: Config,
  deps: { database: Database; clock: Clock; log: FastifyBaseLogger; metrics: Metrics },
): Jobs {
  const db = deps.database.db;
  const graceSeconds = Math.max(1, config.SHUTDOWN_TIMEOUT * 0.8);
  const transport = config.AMQP_URL
    ? rabbitTransport({ url: config.AMQP_URL, queue: config.JOBS_QUEUE, db, log: deps.log, graceSeconds })
    : embeddedTransport({
        db,
        log: deps.log,
        now: () => deps.clock.now(),
        leaseSeconds: config.JOBS_LEASE,
        pollSeconds: config.JOBS_POLL_INTERVAL,
        graceSeconds,
      });
  return createJobs({
    db,
    transport,
    clock: deps.clock,
    log: deps.log,
    metrics: deps.metrics,
    concurrency: config.JOBS_CONCURRENCY,
    maxAttempts: config.JOBS_MAX_ATTEMPTS,
    retryBaseSeconds: config.JOBS_RETRY_BASE,
    pollSeconds: config.JOBS_POLL_INTERVAL,
    leaseSeconds: config.JOBS_LEASE,
  });
}

/**
 * Housekeeping of the job tables: finished jobs and old idempotency keys are kept for a week, and so is an event
 * no process has taken (no module subscribes to it wherever it runs, e.g. a MODULES selection without them).
 */
export function jobsMaintenance(database: Database, clock: Clock): ScheduledTask {
  return {
    name: 'platform.jobs.purge-finished',
    everySeconds: 3600,
    run: async () => {
      const before = new Date(clock.now().getTime() - 7 * 86400_000).toISOString();
      await database.db.execute(
        sql`delete from platform.jobs where status in ('done', 'dead') and finished_at < ${before}::timestamptz`,
      );
      await database.db.execute(
        sql`delete from platform.jobs_done where state = 'done' and completed_at < ${before}::timestamptz`,
      );
      await database.db.execute(
        sql`delete from platform.outbox where kind = 'event' and created_at < ${before}::timestamptz`,
      );
    },
  };
}
