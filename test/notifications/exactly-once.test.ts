import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import { testApp } from '../helpers/app.js';
import { usingPostgres } from '../helpers/db.js';
import type { TestUser } from '../helpers/identity.js';
import { eventually } from '../jobs/helpers.js';
import { bulkUsers, call, dispatch, manager, transport } from './helpers.js';
import { smtpServer } from './smtp.js';

/** A clock the test moves; every instance shares it, as processes share the wall clock. */
function fakeClock(start: Date): Clock & { set(d: Date): void } {
  let t = start.getTime();
  return { ...systemClock, now: () => new Date(t), set: (d) => (t = d.getTime()) };
}

const RECIPIENTS = usingPostgres() ? 500 : 150;

describe('notifications: exactly once per recipient with concurrent schedulers and workers', () => {
  const clock = fakeClock(new Date('2030-01-07T08:57:00Z'));
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  let workers: Agora[];
  const stops: (() => Promise<void>)[] = [];
  let boss: TestUser;
  let ids: string[];

  beforeAll(async () => {
    smtp = await smtpServer();
    const config = { ...transport(), SMTP_URL: smtp.url, JOBS_POLL_INTERVAL: '50ms', JOBS_CONCURRENCY: '8' };
    workers = [await testApp(config, { clock }), await testApp(config, { clock })];
    boss = await manager(workers[0]!);
    ids = await bulkUsers(workers[0]!, RECIPIENTS);
    for (const w of workers) stops.push(w.startWorkers());
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    for (const w of workers) await w.app.close();
    await smtp.close();
  });

  it('sends each of three occurrences of a recurring notification to every recipient exactly once', async () => {
    const a = workers[0]!;
    const role = await a.identity.service.ensureRole({ name: `audience-${randomUUID()}` });
    await a.identity.service.assignRole(role.id, ids);
    const res = await call(a, 'POST', '/notifications/notify', boss, {
      subject: 'Digest {{ username }}',
      body: '<p>{{ first_name }}</p>',
      schedule: { channel: 'email', schedule: '*/5 * * * *' },
      distribution: { roles: [role.name] },
    });
    expect(res.status).toBe(201);
    expect(res.body.next_send).toBe('2030-01-07T09:00:00.000Z');
    const id = res.body.id as string;

    for (const [i, tick] of ['09:00', '09:05', '09:10'].entries()) {
      clock.set(new Date(`2030-01-07T${tick}:01Z`));
      // Every scheduler at once (besides the workers' own ticks): the claim decides who fans out.
      await Promise.all(workers.flatMap((w) => [dispatch(w), dispatch(w)]));
      await eventually(
        () => smtp.messages.length === RECIPIENTS * (i + 1),
        60_000,
        `occurrence ${i + 1}: ${RECIPIENTS * (i + 1)} messages (have ${smtp.messages.length})`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.messages).toHaveLength(RECIPIENTS * 3);
    // Per recipient: three messages, three distinct deliveries.
    const perUser = new Map<string, Set<string>>();
    for (const m of smtp.messages) {
      const set = perUser.get(m.to[0]!) ?? new Set();
      set.add(m.delivery);
      perUser.set(m.to[0]!, set);
    }
    expect(perUser.size).toBe(RECIPIENTS);
    expect([...perUser.values()].every((s) => s.size === 3)).toBe(true);

    const db = a.ctx.database.db;
    const sent = await db.execute(sql`select user_id, count(*)::int as n, count(distinct occurrence_id)::int as occ
      from notifications.deliveries where notification_id = ${id} and status = 'sent' group by user_id`);
    const rows = (sent as unknown as { rows: { n: number; occ: number }[] }).rows;
    expect(rows).toHaveLength(RECIPIENTS);
    expect(rows.every((r) => r.n === 3 && r.occ === 3)).toBe(true);
    const state = await call(a, 'GET', `/notifications/${id}`, boss);
    expect(state.body).toMatchObject({ status: 'active', occurrences: 3 });
    expect(state.body.deliveries).toMatchObject({ sent: RECIPIENTS * 3, total: RECIPIENTS * 3 });
    expect(state.body.schedule.next_send).toBe('2030-01-07T09:15:00.000Z');
  }, 180_000);

  it('fans an audience larger than a page out in several transactions, each recipient once', async () => {
    const a = workers[0]!;
    const many = await bulkUsers(a, 2500);
    const res = await call(a, 'POST', '/notifications/notify', boss, {
      subject: 'Big',
      body: 'b',
      schedule: { channel: 'websocket', next_send: '2030-01-07T09:30:00Z' },
      distribution: { users: many },
    });
    expect(res.status).toBe(201);
    clock.set(new Date('2030-01-07T09:30:01Z'));
    await Promise.all(workers.flatMap((w) => [dispatch(w), dispatch(w)]));
    const db = a.ctx.database.db;
    const read = async () =>
      (
        (await db.execute(sql`select o.status, o.recipients, o.cursor,
          (select count(*)::int from notifications.deliveries d where d.occurrence_id = o.id) as rows,
          (select count(distinct user_id)::int from notifications.deliveries d where d.occurrence_id = o.id) as users
          from notifications.occurrences o where o.notification_id = ${res.body.id}`)) as unknown as {
          rows: { status: string; recipients: number; cursor: string | null; rows: number; users: number }[];
        }
      ).rows;
    await eventually(async () => (await read())[0]?.status === 'dispatched', 60_000, 'the fan-out');
    const [occ] = await read();
    expect(occ).toMatchObject({ status: 'dispatched', recipients: 2500, rows: 2500, users: 2500 });
    // Two full pages moved the cursor before the last one finished.
    expect(occ!.cursor).toBe([...many].sort()[1999]);
  }, 180_000);
});

describe('notifications: a cancel racing the scheduler', () => {
  let agora: Agora;
  let boss: TestUser;
  let ids: string[];
  beforeAll(async () => {
    agora = await testApp({ ...transport(), JOBS_POLL_INTERVAL: '1h' });
    boss = await manager(agora);
    ids = await bulkUsers(agora, 300);
  });
  afterAll(async () => agora.app.close());

  // The scheduler holds a send's occurrence and then updates its notification; a cancel that took the two
  // rows in the other order deadlocked against it (a 500) on PostgreSQL.
  it('answers 204 while the send is being fanned out, and nothing is left pending', async () => {
    for (let round = 0; round < 15; round++) {
      const res = await call(agora, 'POST', '/notifications/notify', boss, {
        subject: 'Race',
        body: 'b',
        schedule: { channel: 'websocket' },
        distribution: { users: ids },
      });
      expect(res.status).toBe(201);
      const [cancelled] = await Promise.all([
        call(agora, 'DELETE', `/notifications/${res.body.id}`, boss),
        dispatch(agora),
      ]);
      expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(204);
      const left = (await agora.ctx.database.db.execute(
        sql`select count(*)::int as n from notifications.occurrences
            where notification_id = ${res.body.id} and status = 'pending'`,
      )) as unknown as { rows: { n: number }[] };
      expect(left.rows[0]!.n).toBe(0);
    }
  }, 180_000);
});
