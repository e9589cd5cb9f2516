import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetters } from '../../src/platform/jobs/rabbitmq.js';
import { testApp, unique } from '../helpers/app.js';
import { testDatabase, usingPostgres } from '../helpers/db.js';
import { amqpUrl, eventually, jobsHarness, metricValue, sleep, spawnWorker, transports } from './helpers.js';

const rowsOf = (res: unknown) => (res as { rows: Record<string, unknown>[] }).rows;

describe.each(transports())('jobs on the %s transport', (kind, extra) => {
  let h: Awaited<ReturnType<typeof jobsHarness>>;
  beforeAll(async () => {
    h = await jobsHarness(extra());
  });
  afterAll(async () => h.close());

  it('never runs (nor counts) a job enqueued in a rolled-back transaction, and runs a committed one', async () => {
    const { jobs, database } = h.agora.ctx;
    const lost = unique('lost');
    const kept = unique('kept');
    const enqueuedBefore = await h.metric('jobs_enqueued_total', 'name="test.record"');
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
    await eventually(() => h.ran(kept).length === 1, 10_000, 'committed job');
    await sleep(500);
    expect(h.ran(lost)).toHaveLength(0);
    // counted when the relay handed it over, never for the rolled-back one
    expect(await h.metric('jobs_enqueued_total', 'name="test.record"')).toBe(enqueuedBefore + 1);
  });

  it('runs a delayed job no earlier than due', async () => {
    const { jobs, database } = h.agora.ctx;
    const tag = unique('late');
    const due = Date.now() + 1500;
    await jobs.enqueue(database.db, { name: 'test.record', payload: { tag }, runAt: new Date(due) });
    jobs.wake();
    await sleep(1000);
    expect(h.ran(tag)).toHaveLength(0);
    await eventually(() => h.ran(tag).length === 1, 10_000, 'delayed job');
    expect(h.ran(tag)[0]!.at).toBeGreaterThanOrEqual(due);
  });

  it('retries with exponential backoff, then dead-letters the job', async () => {
    const { jobs, database } = h.agora.ctx;
    const tag = unique('fail');
    const deadBefore = await h.metric('jobs_dead');
    const failedBefore = await h.metric('jobs_failed_total', 'name="test.fail",final="true"');
    await jobs.enqueue(database.db, { name: 'test.fail', payload: { tag } });
    jobs.wake();
    await eventually(() => h.ran(tag).length === 3, 15_000, 'three attempts');
    const [a, b, c] = h.ran(tag);
    expect([a!.attempt, b!.attempt, c!.attempt]).toEqual([1, 2, 3]);
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(290); // base 300 ms
    expect(c!.at - b!.at).toBeGreaterThanOrEqual(590); // doubled
    await sleep(600);
    expect(h.ran(tag)).toHaveLength(3);
    await eventually(async () => (await h.metric('jobs_dead')) === deadBefore + 1, 5000, 'jobs_dead + 1');
    if (h.values.AMQP_URL) {
      expect(await deadLetters(amqpUrl!, h.values.JOBS_QUEUE!)).toBe(deadBefore + 1);
    } else {
      const res = await database.db.execute(
        sql`select status, attempts, last_error from platform.jobs where payload->>'tag' = ${tag}`,
      );
      expect(rowsOf(res)).toEqual([{ status: 'dead', attempts: 3, last_error: 'boom' }]);
    }
    expect(await h.metric('jobs_failed_total', 'name="test.fail",final="true"')).toBe(failedBefore + 1);
    expect(await h.metric('jobs_failed_total', 'name="test.fail",final="false"')).toBeGreaterThanOrEqual(2);
  });

  it('runs a job once per idempotency key', async () => {
    const { jobs, database } = h.agora.ctx;
    const tag = unique('idem');
    const key = unique('key');
    await jobs.enqueue(database.db, { name: 'test.record', payload: { tag }, idempotencyKey: key });
    await jobs.enqueue(database.db, { name: 'test.record', payload: { tag }, idempotencyKey: key });
    jobs.wake();
    await eventually(() => h.ran(tag).length === 1, 10_000, 'idempotent job');
    await sleep(700);
    await jobs.enqueue(database.db, { name: 'test.record', payload: { tag }, idempotencyKey: key });
    jobs.wake();
    await sleep(700);
    expect(h.ran(tag)).toHaveLength(1);
    expect(await h.metric('jobs_completed_total', 'name="test.record",result="done"')).toBeGreaterThanOrEqual(1);
    const text = await h.agora.ctx.metrics.registry.metrics();
    expect(text).toMatch(/jobs_duration_seconds_bucket\{le="[^"]+",name="test.record"\} [1-9]/);
  });

  it('runs a job again when it is enqueued with the key of a job that died', async () => {
    const { jobs, database } = h.agora.ctx;
    const tag = unique('revive');
    const key = unique('revive-key');
    let healthy = false;
    jobs.register('test.flaky', async (p: { tag: string }, job) => {
      h.runs.push({ name: job.name, tag: p.tag, at: Date.now(), attempt: job.attempt });
      if (!healthy) throw new Error('not yet');
    });
    const deadBefore = await h.metric('jobs_dead');
    const enqueue = () =>
      jobs.enqueue(database.db, { name: 'test.flaky', payload: { tag }, idempotencyKey: key, maxAttempts: 1 });
    await enqueue();
    jobs.wake();
    await eventually(async () => (await h.metric('jobs_dead')) === deadBefore + 1, 10_000, 'dead job');
    expect(h.ran(tag)).toHaveLength(1);
    healthy = true;
    await enqueue();
    jobs.wake();
    await eventually(() => h.ran(tag).length === 2, 10_000, 'rerun under the dead job key');
    // done now: the key holds again
    await enqueue();
    jobs.wake();
    await sleep(800);
    expect(h.ran(tag)).toHaveLength(2);
  });

  it('exports the queue depth and dead jobs when scraped, in any process', async () => {
    const { jobs, database } = h.agora.ctx;
    const tags = [unique('depth'), unique('depth')];
    const before = await h.metric('jobs_queue_depth');
    const inAnHour = new Date(Date.now() + 3600_000);
    for (const tag of tags) await jobs.enqueue(database.db, { name: 'test.record', payload: { tag }, runAt: inAnHour });
    await jobs.relayOnce();
    try {
      expect(await h.metric('jobs_queue_depth')).toBe(before + 2);
      // a process that never started workers (`agora serve`) exports the same numbers
      const serve = await testApp(h.values);
      try {
        expect(await metricValue(serve.ctx.metrics.registry, 'jobs_queue_depth')).toBe(before + 2);
        expect(await metricValue(serve.ctx.metrics.registry, 'jobs_dead')).toBe(await h.metric('jobs_dead'));
      } finally {
        await serve.app.close();
      }
    } finally {
      for (const table of [sql`platform.outbox`, sql`platform.jobs`])
        await database.db.execute(sql`delete from ${table} where payload->>'tag' in (${tags[0]}, ${tags[1]})`);
    }
    expect(await h.metric('jobs_queue_depth')).toBe(before);
  });

  it('delivers an event to every in-process subscriber once', async () => {
    const { jobs, database } = h.agora.ctx;
    const tag = unique('evt');
    await database.db.transaction(async (tx) => {
      await jobs.publish(tx, 'test.thing.happened', { tag });
    });
    jobs.wake();
    await eventually(() => h.ran(tag).length === 2, 10_000, 'both subscribers');
    expect(
      h
        .ran(tag)
        .map((r) => r.name)
        .sort(),
    ).toEqual(['test.thing.happened@first', 'test.thing.happened@second']);
    expect(() => jobs.subscribe('Bad Name' as never, 'x', async () => undefined)).toThrow(/module/);
  });

  it('finishes the running job on a graceful stop, and releases one that outlives the grace period', async () => {
    const { jobs, database } = h.agora.ctx;
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
      h.runs.push({ name: job.name, tag: p.tag, at: Date.now(), attempt: job.attempt });
    });
    await jobs.enqueue(database.db, { name: 'test.slow', payload: { tag: quick, wait: 400 } });
    jobs.wake();
    await sleep(250); // claimed and running
    await h.stop();
    expect(h.ran(quick)).toHaveLength(1); // stop waited for it
    h.restart();
    await jobs.enqueue(database.db, { name: 'test.slow', payload: { tag: slow, wait: 0 } });
    jobs.wake();
    await eventually(() => slowRuns === 1, 10_000, 'slow job started');
    const stopping = Date.now();
    await h.stop(); // grace: SHUTDOWN_TIMEOUT 1 s → about 1 s, then the job is handed back
    expect(Date.now() - stopping).toBeLessThan(5000);
    // handed back: pending again in the table (no attempt spent), or back in the RabbitMQ queue
    if (h.values.AMQP_URL) {
      const lib = await import('amqplib');
      const c = await lib.connect(amqpUrl!);
      const waiting = (await (await c.createChannel()).checkQueue(h.values.JOBS_QUEUE!)).messageCount;
      await c.close();
      expect(waiting).toBe(1);
    } else {
      const res = await database.db.execute(
        sql`select status, attempts from platform.jobs where payload->>'tag' = ${slow}`,
      );
      expect(rowsOf(res)).toEqual([{ status: 'pending', attempts: 0 }]);
    }
    release(); // (in a real shutdown the process exits here; this one lets the stale run finish)
    h.restart();
    await eventually(() => h.ran(slow).length === 1, 15_000, 'released job completed');
    await sleep(1500);
    expect(h.ran(slow)).toHaveLength(1);
  });

  it.skipIf(kind === 'embedded' && !usingPostgres())(
    'reruns the job of a worker killed mid-job (SIGKILL) in another worker, and completes it once',
    async () => {
      const { jobs, database } = h.agora.ctx;
      const { url } = await testDatabase();
      const tag = unique('crash');
      const key = unique('crash-key');
      // The child process consumes from the same queue: PostgreSQL (embedded) or RabbitMQ.
      const worker = spawnWorker({ ...h.values, DATABASE_URL: url ?? '', LOG_LEVEL: 'silent' });
      try {
        await worker.waitFor('READY');
        // Parent's worker must not take it first: hold the job for the child by pausing ours.
        await h.stop();
        await jobs.enqueue(database.db, { name: 'test.hang', payload: { tag }, idempotencyKey: key });
        await jobs.relayOnce();
        await worker.waitFor(`STARTED ${tag}`);
        worker.child.kill('SIGKILL');
      } finally {
        worker.child.kill('SIGKILL');
      }
      h.restart();
      await eventually(() => h.ran(tag).length === 1, 20_000, 'rerun after the crash');
      expect(h.ran(tag)[0]!.attempt).toBe(2); // the killed run counted, on either transport
      await jobs.enqueue(database.db, { name: 'test.hang', payload: { tag }, idempotencyKey: key });
      jobs.wake();
      await sleep(1000);
      expect(h.ran(tag)).toHaveLength(1);
    },
  );
});
