import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { ChannelModel } from 'amqplib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { jobsFromConfig } from '../../src/platform/jobs/index.js';
import { createJobs } from '../../src/platform/jobs/jobs.js';
import { embeddedTransport } from '../../src/platform/jobs/embedded.js';
import { rabbitTransport } from '../../src/platform/jobs/rabbitmq.js';
import type { Transport } from '../../src/platform/jobs/types.js';
import { createMetrics } from '../../src/platform/observability/metrics.js';
import { testApp, testConfig, unique } from '../helpers/app.js';
import { testDatabase, usingPostgres } from '../helpers/db.js';
import { amqpUrl, dropQueues, eventually, jobsHarness, sleep, spawnWorker, transports } from './helpers.js';

const rowsOf = (res: unknown) => (res as { rows: Record<string, unknown>[] }).rows;

describe.each(transports())('job recovery on the %s transport', (kind, extra) => {
  let h: Awaited<ReturnType<typeof jobsHarness>>;
  beforeAll(async () => {
    h = await jobsHarness(extra());
  });
  afterAll(async () => h.close());

  /** Jobs of their own on `transport`, with the harness's fast timings. */
  const fastJobs = (transport: Transport, opts: { concurrency: number; maxAttempts: number }) =>
    createJobs({
      db: h.agora.ctx.database.db,
      transport,
      clock: systemClock,
      log: h.agora.ctx.log,
      metrics: createMetrics(h.agora.ctx.database),
      retryBaseSeconds: 0.1,
      pollSeconds: 0.05,
      leaseSeconds: 1,
      ...opts,
    });
  const child = async () => ({ ...h.values, DATABASE_URL: (await testDatabase()).url ?? '', LOG_LEVEL: 'silent' });

  it.skipIf(kind === 'embedded' && !usingPostgres())(
    'dead-letters a job that kills its worker on every attempt, through onDead, counted as a final failure',
    async () => {
      const { jobs, database } = h.agora.ctx;
      const tag = unique('suicide');
      const deadBefore = await h.metric('jobs_dead');
      await h.stop(); // only child workers (which die with the job) consume it
      await jobs.enqueue(database.db, { name: 'test.suicide', payload: { tag }, maxAttempts: 2 });
      await jobs.relayOnce();
      const started: string[] = [];
      let dead = '';
      for (let i = 0; i < 5 && !dead; i++) {
        const worker = spawnWorker(await child());
        const exited = once(worker.child, 'exit');
        const said = worker.waitFor(`DEAD ${tag}`, 20_000).then(() => 'dead');
        await Promise.race([exited, said]);
        const out = worker.output();
        started.push(...out.split('\n').filter((l) => l.startsWith(`STARTED ${tag}`)));
        dead = out.split('\n').find((l) => l.startsWith(`DEAD ${tag}`)) ?? '';
        worker.child.kill('SIGKILL');
      }
      h.restart();
      // two runs (each killed its worker), then given up without a third run: onDead saw the failure counted
      expect(started).toEqual([`STARTED ${tag} 1`, `STARTED ${tag} 2`]);
      expect(dead).toBe(`DEAD ${tag} 1`);
      await eventually(async () => (await h.metric('jobs_dead')) === deadBefore + 1, 5000, 'jobs_dead + 1');
    },
    90_000,
  );

  it.skipIf(kind !== 'embedded')(
    'gives up a job whose worker died on its last attempt: onDead runs once and the failure is counted',
    async () => {
      const { jobs, database } = h.agora.ctx;
      const tag = unique('orphan');
      const dead: [string, string][] = [];
      jobs.register('test.orphan', async (p: { tag: string }, job) => void h.runs.push({ ...job, tag: p.tag, at: 0 }), {
        maxAttempts: 2,
        onDead: async (p: { tag: string }, error) => void dead.push([p.tag, error]),
      });
      // What a worker killed during the last attempt leaves behind: running, no attempt left, lease run out.
      await database.db.execute(sql`insert into platform.jobs
        (id, name, payload, status, attempts, max_attempts, run_at, locked_by, locked_until)
        values (${systemClock.uuid()}, 'test.orphan', ${JSON.stringify({ tag })}::jsonb, 'running', 2, 2, now(),
          'gone', now() - interval '1 second')`);
      jobs.wake();
      await eventually(() => dead.length === 1, 10_000, 'onDead');
      await sleep(300);
      expect(dead).toEqual([[tag, 'worker lost on the last attempt']]);
      expect(h.ran(tag)).toEqual([]);
      const res = await database.db.execute(
        sql`select status, last_error from platform.jobs where payload->>'tag' = ${tag}`,
      );
      expect(rowsOf(res)).toEqual([{ status: 'dead', last_error: 'worker lost on the last attempt' }]);
      expect(await h.metric('jobs_failed_total', 'name="test.orphan",final="true"')).toBe(1);
    },
  );

  it('never drops an event relayed by a process that knows none of its subscribers', async () => {
    const { jobs, database } = h.agora.ctx;
    const log = h.agora.ctx.log;
    const bare = jobsFromConfig(testConfig(h.values), {
      database,
      clock: systemClock,
      log,
      metrics: createMetrics(database),
    });
    const [here, there] = [unique('evt-here'), unique('evt-there')];
    await h.stop();
    try {
      // published where the subscribers are known (one durable job each), relayed by the bare process
      await database.db.transaction((tx) => jobs.publish(tx, 'test.thing.happened', { tag: here }));
      // published by the bare process: the event itself waits for a relay that knows its subscribers
      await bare.publish(database.db, 'test.thing.happened', { tag: there });
      while ((await bare.relayOnce()) > 0);
      const waiting = await database.db.execute(
        sql`select kind, payload->>'tag' as tag from platform.outbox where payload->>'tag' in (${here}, ${there})`,
      );
      expect(rowsOf(waiting)).toEqual([{ kind: 'event', tag: there }]);
    } finally {
      await bare.close();
      h.restart();
    }
    await eventually(() => h.ran(here).length === 2 && h.ran(there).length === 2, 10_000, 'all four subscriber runs');
    await sleep(500);
    for (const tag of [here, there]) {
      expect(
        h
          .ran(tag)
          .map((r) => r.name)
          .sort(),
      ).toEqual(['test.thing.happened@first', 'test.thing.happened@second']);
    }
  });

  it('relays a job committed by a process that died before relaying it', async () => {
    const tag = unique('orphan-outbox');
    if (usingPostgres()) {
      const writer = spawnWorker(await child(), { CHILD_MODE: 'enqueue', CHILD_PAYLOAD: JSON.stringify({ tag }) });
      const [code, signal] = (await once(writer.child, 'exit')) as [number | null, string | null];
      expect([writer.output(), code, signal]).toEqual(['COMMITTED\n', null, 'SIGKILL']);
    } else {
      // PGlite lives in one process: an app that committed the job and closed without relaying stands in.
      const writer = await testApp(h.values);
      const { jobs, database } = writer.ctx;
      await database.db.transaction((tx) => jobs.enqueue(tx, { name: 'test.record', payload: { tag } }));
      await writer.app.close();
    }
    h.agora.ctx.jobs.wake();
    await eventually(() => h.ran(tag).length === 1, 10_000, 'relayed by the surviving process');
  }, 60_000);

  it.skipIf(kind !== 'embedded')('stops its relay when the consumer cannot start', async () => {
    const { database } = h.agora.ctx;
    const tag = unique('no-consumer');
    const transport = {
      ...embeddedTransport({
        db: database.db,
        log: h.agora.ctx.log,
        now: () => new Date(),
        leaseSeconds: 1,
        pollSeconds: 0.05,
        graceSeconds: 1,
      }),
      consume: async () => {
        throw new Error('broker unreachable');
      },
    };
    const jobs = fastJobs(transport, { concurrency: 1, maxAttempts: 1 });
    await h.stop(); // the harness relay must not move the row either
    try {
      await expect(jobs.start()).rejects.toThrow('broker unreachable');
      await jobs.enqueue(database.db, { name: 'test.record', payload: { tag } });
      jobs.wake();
      await sleep(400);
      const left = await database.db.execute(sql`select count(*)::int as n from platform.outbox
        where payload->>'tag' = ${tag}`);
      expect(rowsOf(left)).toEqual([{ n: 1 }]);
    } finally {
      h.restart();
    }
    await eventually(() => h.ran(tag).length === 1, 10_000, 'relayed by a started worker');
  });

  it.skipIf(kind !== 'rabbitmq')('consumes again after the broker connection is lost', async () => {
    const { database } = h.agora.ctx;
    const queue = `${h.values.JOBS_QUEUE}.reconnect`;
    const opened: ChannelModel[] = [];
    const transport = rabbitTransport({
      url: amqpUrl!,
      queue,
      db: database.db,
      log: h.agora.ctx.log,
      graceSeconds: 1,
      reconnectMs: 100,
      connect: async (url) => {
        const c = await (await import('amqplib')).connect(url);
        opened.push(c);
        return c;
      },
    });
    const jobs = fastJobs(transport, { concurrency: 2, maxAttempts: 3 });
    const seen: string[] = [];
    jobs.register('test.seen', async (p: { tag: string }) => void seen.push(p.tag));
    await h.stop(); // the outbox is shared: the harness relay would send these jobs to its own queue
    const stop = await jobs.start();
    try {
      const before = unique('before');
      await jobs.enqueue(database.db, { name: 'test.seen', payload: { tag: before } });
      await eventually(() => seen.includes(before), 10_000, 'consumed before the cut');
      // a network failure under the consumer (what a broker restart looks like to the client)
      (opened[0] as unknown as { connection: { stream: Socket } }).connection.stream.destroy(new Error('network cut'));
      await eventually(() => opened.length >= 2, 10_000, 'reconnected');
      const after = unique('after');
      await jobs.enqueue(database.db, { name: 'test.seen', payload: { tag: after } });
      await eventually(() => seen.includes(after), 10_000, 'consumed after the cut');
    } finally {
      await stop();
      await jobs.close();
      await dropQueues(queue);
      h.restart();
    }
  });
});
