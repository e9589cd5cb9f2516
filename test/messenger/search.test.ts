import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { SEARCH_JOB, SEARCH_STALE_SECONDS } from '../../src/modules/messenger/messenger.search.js';
import { createMessengerService } from '../../src/modules/messenger/messenger.service.js';
import { systemClock } from '../../src/platform/clock.js';
import { createMetrics } from '../../src/platform/observability/metrics.js';
import { testApp } from '../helpers/app.js';
import { eventually } from '../jobs/helpers.js';
import { call, chatWith, post, signup, type Client } from './helpers.js';

// On CI the search jobs travel through RabbitMQ (a queue of this run's own), else the embedded queue.
const amqp = process.env.TEST_AMQP_URL
  ? { AMQP_URL: process.env.TEST_AMQP_URL, JOBS_QUEUE: `agora.test.search.${randomUUID()}` }
  : {};

describe(`messenger: asynchronous full-text search (${amqp.AMQP_URL ? 'rabbitmq' : 'embedded'} jobs)`, () => {
  let agora: Agora;
  let stop: () => Promise<void>;
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    agora = await testApp({
      MESSENGER_RATE_LIMIT_ENABLED: 'false',
      JOBS_POLL_INTERVAL: '100ms',
      MESSENGER_SEARCH_TTL: '2s',
      ...amqp,
    });
    alice = await signup(agora);
    bob = await signup(agora);
  });
  afterAll(async () => {
    await stop?.();
    await agora.app.close();
    if (amqp.AMQP_URL) {
      const lib = await import('amqplib');
      const c = await lib.connect(amqp.AMQP_URL);
      const ch = await c.createChannel();
      for (const q of [amqp.JOBS_QUEUE, `${amqp.JOBS_QUEUE}.dead`]) await ch.deleteQueue(q).catch(() => undefined);
      await c.close();
    }
  });

  const status = (client: Client, id: string) => call(agora, 'GET', `/v1/chats/search/status/${id}`, { client });
  const results = (client: Client, id: string, q = 'limit=100') =>
    call(agora, 'GET', `/v1/chats/search/${id}/messages?${q}`, { client });

  it('walks WAITING → SUCCESS, finds stemmed words only in the caller chats, newest first', async () => {
    const mine = await chatWith(agora, alice);
    const theirs = await chatWith(agora, bob);
    await post(agora, alice, mine.chatId, mine.memberId, 'I like to run in the morning');
    await post(agora, alice, mine.chatId, mine.memberId, 'nothing to see');
    await post(agora, alice, mine.chatId, mine.memberId, 'she runs faster');
    await post(agora, bob, theirs.chatId, theirs.memberId, 'bob runs too');
    const created = await call(agora, 'POST', '/v1/chats/search', { client: alice, body: { message: 'running' } });
    expect(created.status).toBe(201);
    const taskId = created.json().task_id as string;
    // no worker yet: the task waits, its results are not complete
    expect((await status(alice, taskId)).json()).toEqual({ status: 'WAITING' });
    expect([(await results(alice, taskId)).status, (await results(alice, taskId)).json()]).toEqual([
      400,
      { message: 'task-not-complete' },
    ]);
    stop = agora.startWorkers();
    await eventually(async () => (await status(alice, taskId)).json().status === 'SUCCESS', 10_000, 'SUCCESS');
    const page = (await results(alice, taskId)).json();
    expect(page.messages).toEqual([
      { text: 'she runs faster', chat_id: mine.chatId },
      { text: 'I like to run in the morning', chat_id: mine.chatId },
    ]);
    expect(typeof page.next.iterator).toBe('string');
    const p1 = (await results(alice, taskId, 'limit=1')).json();
    expect(p1.messages).toEqual([{ text: 'she runs faster', chat_id: mine.chatId }]);
    const p2 = (await results(alice, taskId, `limit=1&from=${p1.next.iterator}`)).json();
    expect(p2.messages).toEqual([{ text: 'I like to run in the morning', chat_id: mine.chatId }]);
  });

  it('shows IN_PROCESS while a run is under way, and a rerun after a crashed run completes the task', async () => {
    await stop();
    const id = (await call(agora, 'POST', '/v1/chats/search', { client: alice, body: { message: 'crashing' } })).json()
      .task_id as string;
    // what a worker that died mid-run leaves behind
    await agora.ctx.database.exec(`update messenger.search_tasks set status = 'IN_PROCESS' where id = '${id}'`);
    expect((await status(alice, id)).json()).toEqual({ status: 'IN_PROCESS' });
    expect((await results(alice, id)).json()).toEqual({ message: 'task-not-complete' });
    stop = agora.startWorkers();
    await eventually(async () => (await status(alice, id)).json().status === 'SUCCESS', 10_000, 'SUCCESS');
  });

  it('keeps at most 100 hits', async () => {
    const c = await chatWith(agora, alice);
    await agora.ctx.database.exec(`insert into messenger.messages (chat_id, member_id, text, tsv)
      select '${c.chatId}', ${Number(c.memberId)}, 'zebra ' || g, to_tsvector('english', 'zebra ' || g) from generate_series(1, 150) g`);
    const id = (await call(agora, 'POST', '/v1/chats/search', { client: alice, body: { message: 'zebras' } })).json()
      .task_id;
    await eventually(async () => (await status(alice, id)).json().status === 'SUCCESS', 10_000, 'SUCCESS');
    const page = (await results(alice, id)).json();
    expect(page.messages).toHaveLength(100);
    expect(page.messages[0].text).toBe('zebra 150');
    const rest = (await results(alice, id, `limit=100&from=${page.next.iterator}`)).json();
    expect(rest.messages).toEqual([]);
  });

  it('searches at once without a task (beyond the seed): the caller’s chats only, newest first, paged past 100', async () => {
    const c = await chatWith(agora, alice);
    await agora.ctx.database.exec(`insert into messenger.messages (chat_id, member_id, text, tsv)
      select '${c.chatId}', ${Number(c.memberId)}, 'walrus ' || g, to_tsvector('english', 'walrus ' || g) from generate_series(1, 130) g`);
    const theirs = await chatWith(agora, bob);
    await post(agora, bob, theirs.chatId, theirs.memberId, 'a walrus of bob');
    const now = (client: Client, q: string) => call(agora, 'GET', `/v1/chats/search/messages?${q}`, { client });
    const first = await now(alice, 'message=walruses&limit=100');
    expect(first.status).toBe(200);
    expect(first.json().messages).toHaveLength(100);
    expect(first.json().messages[0]).toEqual({ text: 'walrus 130', chat_id: c.chatId });
    const rest = (await now(alice, `message=walruses&limit=100&from=${first.json().next.iterator}`)).json();
    expect(rest.messages.map((m: { text: string }) => m.text)).toEqual(
      Array.from({ length: 30 }, (_, i) => `walrus ${30 - i}`),
    );
    const end = (await now(alice, `message=walruses&limit=100&from=${rest.next.iterator}`)).json();
    expect(end).toEqual({ messages: [], next: { iterator: rest.next.iterator } });
    expect((await now(bob, 'message=walrus&limit=10')).json().messages).toEqual([
      { text: 'a walrus of bob', chat_id: theirs.chatId },
    ]);
    for (const q of [
      'message=abc&limit=10',
      'limit=10',
      'message=walrus&limit=101',
      'message=walrus&limit=x',
      'message=walrus&limit=5&from=x',
    ]) {
      const bad = await now(alice, q);
      expect(bad.status, q).toBe(400);
      expect(bad.json(), q).toEqual({ message: 'bad-parameters' });
    }
    expect((await call(agora, 'GET', '/v1/chats/search/messages?message=walrus&limit=5')).status).toBe(401);
  });

  it('hides tasks of other users and validates input', async () => {
    const id = (await call(agora, 'POST', '/v1/chats/search', { client: alice, body: { message: 'something' } })).json()
      .task_id;
    expect([(await status(bob, id)).status, (await status(bob, id)).json()]).toEqual([
      404,
      { message: 'task-not-found' },
    ]);
    expect((await results(bob, id)).json()).toEqual({ message: 'task-not-found' });
    const malformed = ['-'.repeat(36), 'g'.repeat(36), `${id.slice(0, 8)}${'-'.repeat(28)}`, id.replace(/-/g, 'a')];
    for (const bad of ['nope', '00000000-0000-0000-0000-000000000000', ...malformed]) {
      for (const res of [await status(alice, bad), await results(alice, bad)]) {
        expect([res.status, res.json()], bad).toEqual([404, { message: 'task-not-found' }]);
      }
    }
    for (const body of [{ message: 'abc' }, {}, 'x']) {
      const res = await call(agora, 'POST', '/v1/chats/search', { client: alice, body });
      expect([res.status, res.json()]).toEqual([400, { message: 'bad-parameters' }]);
    }
    for (const q of ['limit=0', 'limit=101', '', 'limit=a']) {
      expect((await results(alice, id, q)).json()).toEqual({ message: 'bad-parameters' });
    }
  });

  it('marks a task FAILED when its job runs out of attempts, and answers task-failed', async () => {
    await stop();
    // An unknown text-search language makes every run fail: 3 attempts, then the job's onDead hook.
    const broken = await testApp({
      SEARCH_LANGUAGE: 'no_such_language',
      JOBS_RETRY_BASE: '100ms',
      JOBS_POLL_INTERVAL: '50ms',
      ...amqp,
    });
    const stopBroken = broken.startWorkers();
    try {
      const carol = await signup(broken);
      const id = (
        await call(broken, 'POST', '/v1/chats/search', { client: carol, body: { message: 'whatever' } })
      ).json().task_id as string;
      await eventually(
        async () =>
          (await call(broken, 'GET', `/v1/chats/search/status/${id}`, { client: carol })).json().status === 'FAILED',
        15_000,
        'FAILED',
      );
      const res = await call(broken, 'GET', `/v1/chats/search/${id}/messages?limit=10`, { client: carol });
      expect([res.status, res.json()]).toEqual([400, { message: 'task-failed' }]);
    } finally {
      await stopBroken();
      await broken.app.close();
      stop = agora.startWorkers();
    }
  });

  it('expires results after the configured time through the scheduled task', async () => {
    const id = (await call(agora, 'POST', '/v1/chats/search', { client: alice, body: { message: 'expiring' } })).json()
      .task_id;
    await eventually(async () => (await status(alice, id)).json().status === 'SUCCESS', 10_000, 'SUCCESS');
    await new Promise((r) => setTimeout(r, 2200));
    expect((await status(alice, id)).json()).toEqual({ message: 'task-not-found' });
    const task = agora.modules
      .find((m) => m.name === 'messenger')!
      .tasks!.find((t) => t.name === 'messenger.search.expire')!;
    expect(((await task.run()) as { expired: number }).expired).toBeGreaterThanOrEqual(1);
  });

  it('moves a task WAITING → IN_PROCESS → SUCCESS in the worker (held between the steps by a gate)', async () => {
    await stop();
    const gated = await testApp({ MESSENGER_RATE_LIMIT_ENABLED: 'false', JOBS_POLL_INTERVAL: '50ms', ...amqp });
    const c = gated.ctx;
    const svc = createMessengerService({
      db: c.database.db,
      identity: gated.identity.service,
      cache: c.cache,
      jobs: c.jobs,
      clock: c.clock,
      metrics: createMetrics(c.database),
      config: c.config,
    });
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    // the module's job, with a gate between its two steps
    c.jobs.register(
      SEARCH_JOB,
      async (p: { taskId: string }) => {
        const task = await svc.beginSearch(p);
        if (!task) return 'skipped';
        await gate;
        await svc.completeSearch(task);
      },
      { maxAttempts: 3, onDead: (p) => svc.failSearch(p) },
    );
    let stopGated = async () => undefined as void;
    try {
      const carol = await signup(gated);
      const chat = await chatWith(gated, carol);
      await post(gated, carol, chat.chatId, chat.memberId, 'the gates are closing');
      const ask = (path: string) => call(gated, 'GET', path, { client: carol });
      const id = (await call(gated, 'POST', '/v1/chats/search', { client: carol, body: { message: 'gate' } })).json()
        .task_id as string;
      expect((await ask(`/v1/chats/search/status/${id}`)).json()).toEqual({ status: 'WAITING' });
      stopGated = gated.startWorkers();
      await eventually(
        async () => (await ask(`/v1/chats/search/status/${id}`)).json().status === 'IN_PROCESS',
        10_000,
        'IN_PROCESS',
      );
      expect((await ask(`/v1/chats/search/${id}/messages?limit=10`)).json()).toEqual({ message: 'task-not-complete' });
      open();
      await eventually(
        async () => (await ask(`/v1/chats/search/status/${id}`)).json().status === 'SUCCESS',
        10_000,
        'SUCCESS',
      );
      expect((await ask(`/v1/chats/search/${id}/messages?limit=10`)).json().messages).toEqual([
        { text: 'the gates are closing', chat_id: chat.chatId },
      ]);
    } finally {
      open();
      await stopGated();
      await gated.app.close();
      stop = agora.startWorkers();
    }
  });

  it.skipIf(Boolean(amqp.AMQP_URL))('fails a task whose job worker died on its last attempt', async () => {
    await stop();
    const id = (await call(agora, 'POST', '/v1/chats/search', { client: alice, body: { message: 'orphaned' } })).json()
      .task_id as string;
    await agora.ctx.jobs.relayOnce();
    // what a worker killed during the third (last) run leaves behind
    await agora.ctx.database.exec(`update platform.jobs set status = 'running', attempts = 3, locked_by = 'gone',
      locked_until = now() - interval '1 second' where payload->>'taskId' = '${id}'`);
    await agora.ctx.database.exec(`update messenger.search_tasks set status = 'IN_PROCESS' where id = '${id}'`);
    stop = agora.startWorkers();
    await eventually(async () => (await status(alice, id)).json().status === 'FAILED', 10_000, 'FAILED');
    expect((await results(alice, id)).json()).toEqual({ message: 'task-failed' });
  });

  it('sweeps tasks that never finish: FAILED after a while, then expired', async () => {
    await stop(); // no worker: the task never leaves WAITING
    let offset = 0;
    const clock = { ...systemClock, now: () => new Date(Date.now() + offset) };
    const late = await testApp(
      { MESSENGER_RATE_LIMIT_ENABLED: 'false', MESSENGER_SEARCH_TTL: '5m', ...amqp },
      { clock },
    );
    try {
      const dave = await signup(late);
      const ask = (path: string) => call(late, 'GET', path, { client: dave });
      const id = (await call(late, 'POST', '/v1/chats/search', { client: dave, body: { message: 'never' } })).json()
        .task_id as string;
      const sweep = late.modules.find((m) => m.name === 'messenger')!.tasks!.find((t) => t.name.endsWith('expire'))!;
      offset = (SEARCH_STALE_SECONDS - 60) * 1000;
      await sweep.run();
      expect((await ask(`/v1/chats/search/status/${id}`)).json()).toEqual({ status: 'WAITING' });
      offset = (SEARCH_STALE_SECONDS + 60) * 1000;
      expect(((await sweep.run()) as { failed: number }).failed).toBeGreaterThanOrEqual(1);
      expect((await ask(`/v1/chats/search/status/${id}`)).json()).toEqual({ status: 'FAILED' });
      expect((await ask(`/v1/chats/search/${id}/messages?limit=10`)).json()).toEqual({ message: 'task-failed' });
      offset += 5 * 60_000 + 1000;
      await sweep.run();
      const left = await late.ctx.database.db.execute(sql`select id from messenger.search_tasks where id = ${id}`);
      expect((left as unknown as { rows: unknown[] }).rows).toEqual([]);
      expect((await ask(`/v1/chats/search/status/${id}`)).json()).toEqual({ message: 'task-not-found' });
    } finally {
      await late.app.close();
      stop = agora.startWorkers();
    }
  });
});
