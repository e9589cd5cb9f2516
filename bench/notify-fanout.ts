/**
 * npx tsx bench/notify-fanout.ts [--users 10000] [--channel email|websocket] [--idle 30]
 *
 * One notification to N users, in one process (`agora start`'s worker role): the time from the create request
 * to the last delivered history row, deliveries per second of that worker, and the scheduler's SQL statements
 * per minute while nothing is due. PGlite and the embedded queue by default; DATABASE_URL and AMQP_URL switch
 * to PostgreSQL and RabbitMQ (SMTP_URL to real mail; otherwise mail is captured in the database).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { configFrom } from '../src/config.js';
import { startScheduler } from '../src/platform/jobs/index.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    channel: { type: 'string', default: 'email' },
    idle: { type: 'string', default: '30' },
  },
});
const users = Number(values.users);
const env = process.env;
const config = configFrom({
  JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
  LOG_LEVEL: 'silent',
  DATA_DIR: mkdtempSync(join(tmpdir(), 'agora-bench-notify-')),
  ARGON2_MEMORY_KIB: '4096',
  ARGON2_ITERATIONS: '1',
  DEMO_DATA: 'false',
  JOBS_CONCURRENCY: env.JOBS_CONCURRENCY ?? '8',
  ...(env.DATABASE_URL ? { DATABASE_URL: env.DATABASE_URL } : {}),
  ...(env.AMQP_URL ? { AMQP_URL: env.AMQP_URL, JOBS_QUEUE: `agora.bench.${Date.now()}` } : {}),
  ...(env.SMTP_URL ? { SMTP_URL: env.SMTP_URL } : {}),
});
const agora = await buildApp(config, { migrate: true });
const { db } = agora.ctx.database;
const rows = <T>(r: unknown) => (r as { rows: T[] }).rows;
const seconds = (ms: number) => (ms / 1000).toFixed(2);

// The scheduler alone, nothing due: its statements per minute.
const dispatchTask = agora.modules.flatMap((m) => m.tasks ?? []).find((t) => t.name === 'notifications.dispatch')!;
const idleSeconds = Number(values.idle);
const before = agora.ctx.database.queryCount();
const stopIdle = startScheduler([dispatchTask], agora.ctx.log);
await new Promise((r) => setTimeout(r, idleSeconds * 1000));
await stopIdle();
const idlePerMinute = ((agora.ctx.database.queryCount() - before) * 60) / idleSeconds;

// Recipients: written straight into identity's table, members of one role.
const tag = `bench${Date.now().toString(36)}`;
const t0 = Date.now();
await db.execute(sql`insert into identity.users (id, username, email, first_name)
  select gen_random_uuid(), ${tag} || '_' || g, ${tag} || '_' || g || '@example.test', 'User' || g
  from generate_series(1, ${users}::int) g`);
const role = await agora.identity.service.ensureRole({ name: tag, permissions: ['notifications.manage'] });
await db.execute(sql`insert into identity.user_roles (user_id, role_id)
  select id, ${role.id}::uuid from identity.users where username like ${tag + '\\_%'}`);
const admin = await agora.identity.service.register({
  username: `${tag}_admin`,
  password: 'bench password 1',
  email: `${tag}_admin@example.test`,
});
await agora.identity.service.assignRole(role.id, [admin.id]);
const { accessToken } = await agora.identity.service.issueTokens(admin);
console.log(`${users} recipients ready in ${seconds(Date.now() - t0)} s`);

const stopWorkers = agora.startWorkers();
const created = Date.now();
const res = await agora.app.inject({
  method: 'POST',
  url: '/notifications/api/v1/notifications/notify',
  headers: { authorization: `Bearer ${accessToken}` },
  payload: {
    subject: 'Hello {{ username }}',
    body: '<p>Dear {{ first_name }}, a notification for you.</p>',
    schedule: { channel: values.channel },
    distribution: { roles: [tag] },
  },
});
if (res.statusCode !== 201) throw new Error(`notify: ${res.statusCode} ${res.body}`);
const id = res.json<{ id: string }>().id;
let dispatchedAt = 0;
let firstSentAt = 0;
for (;;) {
  const [c] = rows<{ sent: number; dead: number; total: number; dispatched: boolean }>(
    await db.execute(sql`select count(*) filter (where status = 'sent')::int as sent,
      count(*) filter (where status = 'dead')::int as dead, count(*)::int as total,
      exists (select 1 from notifications.occurrences where notification_id = ${id} and status = 'dispatched')
        as dispatched
      from notifications.deliveries where notification_id = ${id}`),
  );
  if (c!.dispatched && !dispatchedAt) dispatchedAt = Date.now();
  if (c!.sent && !firstSentAt) firstSentAt = Date.now();
  if (c!.sent + c!.dead >= users + 1) {
    if (c!.dead) console.log(`  ${c!.dead} deliveries dead`);
    break;
  }
  await new Promise((r) => setTimeout(r, 200));
}
const done = Date.now();
await stopWorkers();

const transport = `${agora.ctx.database.kind} + ${config.AMQP_URL ? 'RabbitMQ' : 'embedded queue'}`;
console.log(`notify-fanout: ${users} recipients (+ the admin), channel ${values.channel}, ${transport}`);
console.log(`  create → occurrence fanned out: ${seconds(dispatchedAt - created)} s`);
console.log(`  create → last delivered row:    ${seconds(done - created)} s`);
console.log(
  `  deliveries per second (1 worker, concurrency ${config.JOBS_CONCURRENCY}): ${Math.round(
    ((users + 1) * 1000) / (done - (firstSentAt < done ? firstSentAt : created)),
  )}`,
);
console.log(`  scheduler SQL statements per minute, nothing due: ${idlePerMinute.toFixed(0)}`);
await agora.app.close();
process.exit(0);
