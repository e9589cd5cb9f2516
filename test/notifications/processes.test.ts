import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { freePort, startAgora, type Env, type Running } from '../helpers/agora-process.js';
import { TEST_SECRET, testApp, unique } from '../helpers/app.js';
import { testDatabase } from '../helpers/db.js';
import { registerAndLogin, type TestUser } from '../helpers/identity.js';
import { eventually } from '../jobs/helpers.js';
import { bulkUsers, call, manager } from './helpers.js';
import { smtpServer } from './smtp.js';

interface WsLike {
  on(event: 'message', fn: (data: Buffer) => void): void;
  terminate(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => WsLike;

const real = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL && process.env.TEST_AMQP_URL);

/** `agora worker`: resolves once it logged that it started. */
function startWorker(env: Env): Promise<Running> {
  const child = spawn(process.execPath, ['bin/agora.js', 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running: Running = { child, output: () => out, exited };
  return eventually(() => out.includes('agora worker started'), 60_000, 'agora worker').then(() => running);
}

/** Real processes on PostgreSQL, Redis and RabbitMQ (skipped without them, as on the embedded defaults). */
describe.skipIf(!real)('notifications across agora processes', () => {
  const processes: Running[] = [];
  let agora: Agora;
  let env: Env;
  let boss: TestUser;
  beforeAll(async () => {
    const { url } = await testDatabase();
    const prefix = `agora-test:${unique('p')}:`;
    env = {
      ...process.env,
      DATABASE_URL: url!,
      REDIS_URL: process.env.TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      AMQP_URL: process.env.TEST_AMQP_URL,
      JOBS_QUEUE: `agora.test.${unique('q')}`,
      JOBS_CONCURRENCY: '8',
      JOBS_POLL_INTERVAL: '100ms',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'agora-notif-')),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_SECRET,
      ARGON2_MEMORY_KIB: '4096',
      ARGON2_ITERATIONS: '1',
      DEMO_DATA: 'false',
      MIGRATE: 'false',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT: '5',
    };
    // The test's own app (no workers): accounts, fixtures and reads.
    agora = await testApp({ REDIS_PREFIX: prefix, AMQP_URL: env.AMQP_URL!, JOBS_QUEUE: env.JOBS_QUEUE! });
    boss = await manager(agora);
  });
  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    await agora?.app.close();
  });

  it('a notification created through one agora serve reaches the user’s sockets on two', async () => {
    const ports = [await freePort(), await freePort()];
    const mine: Running[] = [];
    for (const port of ports) mine.push(await startAgora({ ...env, PORT: String(port) }, 'serve'));
    mine.push(await startWorker(env));
    processes.push(...mine);
    const user = await registerAndLogin(agora);
    const sockets = ports.map((port) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/notifications/api/v1/ws?token=${user.access}`);
      const frames: { type?: string; subject?: string }[] = [];
      ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as { subject?: string }));
      return { ws, frames };
    });
    try {
      for (const s of sockets) await eventually(() => s.frames.some((f) => f.type === 'ready'), 10_000, 'ready');
      const res = await fetch(`http://127.0.0.1:${ports[0]}/notifications/api/v1/notifications/notify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${boss.access}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          subject: 'Across processes',
          body: 'b',
          schedule: { channel: 'websocket' },
          distribution: { users: [user.id] },
        }),
      });
      expect(res.status).toBe(201);
      for (const s of sockets)
        await eventually(() => s.frames.some((f) => f.subject === 'Across processes'), 20_000, 'the frame on each');
    } finally {
      for (const s of sockets) s.ws.terminate();
      // This worker captures mail (no SMTP_URL): it must not take the next test's jobs.
      for (const p of mine) p.child.kill('SIGTERM');
      await Promise.all(mine.map((p) => p.exited));
    }
  }, 300_000);

  it('three workers, one killed mid-way: every user gets each of three occurrences exactly once', async () => {
    const smtp = await smtpServer();
    // A short lease: the killed worker's jobs are run again 5 s after it stopped heart-beating.
    const workerEnv = { ...env, SMTP_URL: smtp.url, JOBS_LEASE: '5s' };
    const workers = [await startWorker(workerEnv), await startWorker(workerEnv), await startWorker(workerEnv)];
    processes.push(...workers);
    try {
      const db = agora.ctx.database.db;
      const rows = <T>(r: unknown) => (r as { rows: T[] }).rows;
      const ids = await bulkUsers(agora, 1000);
      const role = await agora.identity.service.ensureRole({ name: unique('fanout') });
      await agora.identity.service.assignRole(role.id, ids);
      const res = await call(agora, 'POST', '/notifications/notify', boss, {
        subject: 'Weekly {{ username }}',
        body: '<p>{{ first_name }}</p>',
        schedule: { channel: 'email', schedule: '0 9 * * 1' },
        distribution: { roles: [role.name] },
      });
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      // Time passes: the pending occurrence falls due now (cron ticks are a week apart).
      const due = () =>
        db.execute(sql`update notifications.occurrences set due_at = now()
          where notification_id = ${id} and status = 'pending'`);
      for (const round of [1, 2, 3]) {
        await due();
        if (round === 1) {
          await eventually(() => smtp.messages.length >= 300, 120_000, 'a third of the first occurrence');
          workers[0]!.child.kill('SIGKILL');
        }
        await eventually(
          () => smtp.messages.length >= 1000 * round,
          180_000,
          `occurrence ${round} (have ${smtp.messages.length})`,
        );
      }
      // The killed worker's jobs hold their idempotency keys until the lease runs out; then another worker
      // runs them, and every history row says sent.
      const counts = async () =>
        rows<{ sent: number; users: number; occ: number }>(
          await db.execute(sql`select count(*) filter (where status = 'sent')::int as sent,
            count(distinct user_id)::int as users, count(distinct occurrence_id)::int as occ
            from notifications.deliveries where notification_id = ${id}`),
        )[0];
      await eventually(async () => (await counts())?.sent === 3000, 60_000, 'every delivery sent');
      expect(await counts()).toEqual({ sent: 3000, users: 1000, occ: 3 });
      // 3,000 messages. The killed worker may have had a message accepted by the server and died before its
      // row said so: that delivery is sent again, as the same message (its Message-ID), at most once per job
      // it had in flight.
      const distinct = new Set(smtp.messages.map((m) => m.messageId));
      expect(distinct.size).toBe(3000);
      expect(smtp.messages.every((m) => m.messageId === `<${m.delivery}@notifications.agora>`)).toBe(true);
      expect(smtp.messages.length - 3000).toBeLessThanOrEqual(8); // the killed worker's JOBS_CONCURRENCY
      const perUser = new Map<string, Set<string>>();
      for (const m of smtp.messages) perUser.set(m.to[0]!, (perUser.get(m.to[0]!) ?? new Set()).add(m.delivery));
      expect(perUser.size).toBe(1000);
      expect([...perUser.values()].every((s) => s.size === 3)).toBe(true);
    } finally {
      await smtp.close();
    }
  }, 600_000);
});
