/**
 * A worker process for the crash test: consumes jobs and hangs inside `test.hang` after saying so on
 * stdout, until the parent kills it with SIGKILL. Config comes as JSON in CHILD_CONFIG.
 */
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { configFrom } from '../../src/config.js';
import { systemClock } from '../../src/platform/clock.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { migrate } from '../../src/platform/db/migrate.js';
import { jobsFromConfig } from '../../src/platform/jobs/index.js';
import { createMetrics } from '../../src/platform/observability/metrics.js';

const values = JSON.parse(process.env.CHILD_CONFIG ?? '{}') as Record<string, string>;
const config = configFrom(values);
const database = await openDatabase({ url: config.DATABASE_URL || undefined, dataDir: 'memory://', poolSize: 2 });
if (!config.DATABASE_URL) await migrate(database);
const log = pino({ level: 'silent' }) as FastifyBaseLogger;
const jobs = jobsFromConfig(config, { database, clock: systemClock, log, metrics: createMetrics(database) });
jobs.register('test.hang', async (payload: { tag: string }) => {
  process.stdout.write(`STARTED ${payload.tag}\n`);
  await new Promise(() => undefined);
});
await jobs.start();
process.stdout.write('READY\n');
