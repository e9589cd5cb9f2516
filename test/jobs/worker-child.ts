/**
 * A child process for the crash tests. Config comes as JSON in CHILD_CONFIG, the mode in CHILD_MODE:
 * - `worker` (default): consumes jobs; `test.hang` says STARTED on stdout and hangs until the parent kills
 *   the process; `test.suicide` says STARTED and kills its own process (SIGKILL), on every attempt; its
 *   onDead hook prints DEAD with the process's count of final failures.
 * - `enqueue`: commits one `test.record` job (payload from CHILD_PAYLOAD), says COMMITTED and dies (SIGKILL)
 *   before any relay could move it.
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
const metrics = createMetrics(database);
const jobs = jobsFromConfig(config, { database, clock: systemClock, log, metrics });
const say = (line: string) => process.stdout.write(`${line}\n`);

if (process.env.CHILD_MODE === 'enqueue') {
  await database.db.transaction(async (tx) => {
    await jobs.enqueue(tx, { name: 'test.record', payload: JSON.parse(process.env.CHILD_PAYLOAD ?? '{}') });
  });
  say('COMMITTED');
  process.kill(process.pid, 'SIGKILL');
}

jobs.register('test.hang', async (payload: { tag: string }) => {
  say(`STARTED ${payload.tag}`);
  await new Promise(() => undefined);
});
jobs.register(
  'test.suicide',
  async (payload: { tag: string }, job) => {
    say(`STARTED ${payload.tag} ${job.attempt}`);
    process.kill(process.pid, 'SIGKILL');
    await new Promise(() => undefined);
  },
  {
    maxAttempts: 2,
    onDead: async (payload: { tag: string }) => {
      const failed = (await metrics.registry.getSingleMetric('jobs_failed_total')?.get())?.values ?? [];
      const final = failed.find((v) => v.labels.name === 'test.suicide' && v.labels.final === 'true')?.value ?? 0;
      say(`DEAD ${payload.tag} ${final}`);
    },
  },
);
await jobs.start();
say('READY');
