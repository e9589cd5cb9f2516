import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { deadLetters } from '../../src/platform/jobs/rabbitmq.js';
import { testApp, unique, type ConfigValues } from '../helpers/app.js';
import { testDatabase, usingPostgres } from '../helpers/db.js';
import { eventually, sleep, spawnWorker } from './helpers.js';

declare module '../../src/platform/jobs/types.js' {
  interface EventMap {
    'test.thing.happened': { tag: string };
  }
}

const amqp = process.env.TEST_AMQP_URL;
const transports: [string, () => ConfigValues][] = [['embedded', () => ({})]];
if (amqp) transports.push(['rabbitmq', () => ({ AMQP_URL: amqp, JOBS_QUEUE: `agora.test.${randomUUID()}` })]);

const FAST: ConfigValues = {
  JOBS_POLL_INTERVAL: '50ms',
  JOBS_RETRY_BASE: '300ms',
  JOBS_LEASE: '1s',
  SHUTDOWN_TIMEOUT: '1s',
};

async function dropQueues(queue: string) {
  const lib = await import('amqplib');
  const c = await lib.connect(amqp!);
  const ch = await c.createChannel();
  await ch.deleteQueue(queue).catch(() => undefined);
  await ch.deleteQueue(`${queue}.dead`).catch(() => undefined);
  await c.close();
}

describe.each(transports)('jobs on the %s transport', (kind, extra) => {
  let agora: Agora;
  let stop: () => Promise<void>;
  let values: ConfigValues;
  const runs: { name: string; tag: string; at: number; attempt: number }[] = [];
  const ran = (tag: string) => runs.filter((r) => r.tag === tag);

  beforeAll(async () => {
    values = { ...FAST, ...extra() };
    agora = await testApp(values);
    const { jobs } = agora.ctx;
    jobs.register('test.record', async (p: { tag: string }, job) => {
      runs.push({ name: job.name, tag: p.tag, at: Date.now(), attempt: job.attempt });
    });
    jobs.register(
      'test.fail',
      async (p: { tag: string }, job) => {
        runs.push({ name: job.name, tag: p.tag, at: Date.now(), attempt: job.attempt });
        throw new Error('boom');
      },
      { maxAttempts: 3 },
    );
    jobs.register('test.hang', async (p: { tag: string }, job) => {
      runs.push({ name: job.name, tag: p.tag, at: Date.now(), attempt: job.attempt });
    });
    for (const sub of ['first', 'second']) {
      jobs.subscribe('test.thing.happened', sub, async (p, job) => {
        runs.push({ name: job.name, tag: p.tag, at: Date.now(), attempt: job.attempt });
      });
    }
    stop = agora.startWorkers();
  });
  afterAll(async () => {
    await stop();
    await agora.app.close();
    if (values.AMQP_URL) await dropQueues(values.JOBS_QUEUE!);
  });

  it('never runs a job enqueued in a rolled-back transaction, and runs a committed one', async () => {
    const { jobs, database } = agora.ctx;
    const lost = unique('lost');
    const kept = unique('kept');
    await expect(
      database.db.transaction(async (tx) => {
        await jobs.enqueue(tx, { name: 'test.record', payload: { tag: lost } });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await database.db.transaction(async (tx) => {
      await jobs.enqueue(tx, { name: 'test.record', payload: { tag: kept } });
    });
    jobs.wake();
    await eventually(() => ran(kept).length === 1, 10_000, 'committed job');
    await sleep(500);
    expect(ran(lost)).toHaveLength(0);
  });

  it('runs a delayed job no earlier than due', async () => {
    const { jobs, database } = agora.ctx;
    const tag = unique('late');
    const due = Date.now() + 1500;
    await jobs.enqueue(database.db, { name: 'test.record', payload: { tag }, runAt: new Date(due) });
    jobs.wake();
    await sleep(1000);
    expect(ran(tag)).toHaveLength(0);
    await eventually(() => ran(tag).length === 1, 10_000, 'delayed job');
    expect(ran(tag)[0]!.at).toBeGreaterThanOrEqual(due);
  });

  it('retries with exponential backoff, then dead-letters the job', async () => {
    const { jobs, database } = agora.ctx;
    const tag = unique('fail');
    const deadBefore = values.AMQP_URL ? await deadLetters(amqp!, values.JOBS_QUEUE!) : 0;
    await jobs.enqueue(database.db, { name: 'test.fail', payload: { tag } });
    jobs.wake();
    await eventually(() => ran(tag).length === 3, 15_000, 'three attempts');
    const [a, b, c] = ran(tag);
    expect([a!.attempt, b!.attempt, c!.attempt]).toEqual([1, 2, 3]);
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(290); // base 300 ms
    expect(c!.at - b!.at).toBeGreaterThanOrEqual(590); // doubled
    await sleep(600);
    expect(ran(tag)).toHaveLength(3);
    if (values.AMQP_URL) {
      await eventually(async () => (await deadLetters(amqp!, values.JOBS_QUEUE!)) === deadBefore + 1, 5000, 'DLQ');
    } else {
      const res = await database.db.execute(
        sql`select status, attempts, last_error from platform.jobs where payload->>'tag' = ${tag}`,
      );
      expect((res as unknown as { rows: unknown[] }).rows).toEqual([
        { status: 'dead', attempts: 3, last_error: 'boom' },
      ]);
    }
    const metrics = await agora.ctx.metrics.registry.metrics();
    expect(metrics).toMatch(/jobs_failed_total\{name="test.fail",final="true"\} [1-9]/);
  });

  it('runs a job once per idempotency key', async () => {
    const { jobs, database } = agora.ctx;
    const tag = unique('idem');
    const key = unique('key');
    await jobs.enqueue(database.db, { name: 'test.record', payload: { tag }, idempotencyKey: key });
    await jobs.enqueue(database.db, { name: 'test.record', payload: { tag }, idempotencyKey: key });
    jobs.wake();
    await eventually(() => ran(tag).length >= 1, 10_000, 'idempotent job');
    await sleep(700);
    await jobs.enqueue(database.db, { name: 'test.record', payload: { tag }, idempotencyKey: key });
    jobs.wake();
    await sleep(700);
    expect(ran(tag)).toHaveLength(1);
    const metrics = await agora.ctx.metrics.registry.metrics();
    expect(metrics).toMatch(/jobs_enqueued_total\{name="test.record"\} \d+/);
    expect(metrics).toMatch(/jobs_completed_total\{name="test.record",result="done"\} \d+/);
    expect(metrics).toContain('jobs_queue_depth');
    expect(metrics).toContain('jobs_duration_seconds_bucket');
  });

  it('delivers an event to every in-process subscriber once', async () => {
    const { jobs, database } = agora.ctx;
    const tag = unique('evt');
    await database.db.transaction(async (tx) => {
      await jobs.publish(tx, 'test.thing.happened', { tag });
    });
    jobs.wake();
    await eventually(() => ran(tag).length === 2, 10_000, 'both subscribers');
    expect(
      ran(tag)
        .map((r) => r.name)
        .sort(),
    ).toEqual(['test.thing.happened@first', 'test.thing.happened@second']);
    expect(() => jobs.subscribe('Bad Name' as never, 'x', async () => undefined)).toThrow(/module/);
  });

  it('finishes the running job on a graceful stop, and releases one that outlives the grace period', async () => {
    const { jobs, database } = agora.ctx;
    const quick = unique('quick');
    const slow = unique('slow');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let slowRuns = 0;
    jobs.register('test.slow', async (p: { tag: string; wait: number }, job) => {
      if (p.wait === 0) {
        slowRuns++;
        if (slowRuns === 1) await gate; // the first run hangs past the grace period
      } else await sleep(p.wait);
      runs.push({ name: job.name, tag: p.tag, at: Date.now(), attempt: job.attempt });
    });
    await jobs.enqueue(database.db, { name: 'test.slow', payload: { tag: quick, wait: 400 } });
    jobs.wake();
    await sleep(250); // claimed and running
    await stop();
    expect(ran(quick)).toHaveLength(1); // stop waited for it
    stop = agora.startWorkers();
    await jobs.enqueue(database.db, { name: 'test.slow', payload: { tag: slow, wait: 0 } });
    jobs.wake();
    await eventually(() => slowRuns === 1, 10_000, 'slow job started');
    const stopping = Date.now();
    await stop(); // grace: SHUTDOWN_TIMEOUT 1 s → about 1 s, then the job is handed back
    expect(Date.now() - stopping).toBeLessThan(5000);
    // handed back: pending again in the table, or back in the RabbitMQ queue
    if (values.AMQP_URL) {
      const lib = await import('amqplib');
      const c = await lib.connect(amqp!);
      const waiting = (await (await c.createChannel()).checkQueue(values.JOBS_QUEUE!)).messageCount;
      await c.close();
      expect(waiting).toBe(1);
    } else {
      const res = await database.db.execute(
        sql`select status, attempts from platform.jobs where payload->>'tag' = ${slow}`,
      );
      expect((res as unknown as { rows: unknown[] }).rows).toEqual([{ status: 'pending', attempts: 0 }]);
    }
    release(); // (in a real shutdown the process exits here; this one lets the stale run finish)
    stop = agora.startWorkers();
    await eventually(() => ran(slow).length === 1, 15_000, 'released job completed');
    await sleep(1500);
    expect(ran(slow)).toHaveLength(1);
  });

  it.skipIf(kind === 'embedded' && !usingPostgres())(
    'reruns the job of a worker killed mid-job (SIGKILL) in another worker, and completes it once',
    async () => {
      const { jobs, database } = agora.ctx;
      const { url } = await testDatabase();
      const tag = unique('crash');
      const key = unique('crash-key');
      // The child process consumes from the same queue: PostgreSQL (embedded) or RabbitMQ.
      const worker = spawnWorker({ ...values, DATABASE_URL: url ?? '', LOG_LEVEL: 'silent' });
      try {
        await worker.waitFor('READY');
        // Parent's worker must not take it first: hold the job for the child by pausing ours.
        await stop();
        await jobs.enqueue(database.db, { name: 'test.hang', payload: { tag }, idempotencyKey: key });
        await jobs.relayOnce();
        await worker.waitFor(`STARTED ${tag}`);
        worker.child.kill('SIGKILL');
      } finally {
        worker.child.kill('SIGKILL');
      }
      stop = agora.startWorkers();
      await eventually(() => ran(tag).length === 1, 20_000, 'rerun after the crash');
      expect(ran(tag)[0]!.attempt).toBeGreaterThanOrEqual(kind === 'embedded' ? 2 : 1);
      await jobs.enqueue(database.db, { name: 'test.hang', payload: { tag }, idempotencyKey: key });
      jobs.wake();
      await sleep(1000);
      expect(ran(tag)).toHaveLength(1);
    },
  );
});
