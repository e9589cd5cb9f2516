import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { jobsMaintenance } from '../../src/platform/jobs/index.js';
import { testDatabase } from '../helpers/db.js';

describe('job tables housekeeping (scheduled task)', () => {
  it('drops finished jobs, completed keys and untaken events after a week, and nothing else', async () => {
    const { database } = await testDatabase();
    const { db } = database;
    const rows = async (query: ReturnType<typeof sql>) =>
      ((await db.execute(query)) as unknown as { rows: { name: string }[] }).rows.map((r) => r.name).sort();
    await db.execute(sql`insert into platform.jobs (id, name, payload, status, max_attempts, run_at, finished_at) values
      (gen_random_uuid(), 'hk.done.old', '{}', 'done', 1, now(), now() - interval '8 days'),
      (gen_random_uuid(), 'hk.dead.old', '{}', 'dead', 1, now(), now() - interval '8 days'),
      (gen_random_uuid(), 'hk.done.new', '{}', 'done', 1, now(), now() - interval '1 day'),
      (gen_random_uuid(), 'hk.pending.old', '{}', 'pending', 1, now() - interval '8 days', null)`);
    await db.execute(sql`insert into platform.jobs_done (idempotency_key, name, job_id, state, completed_at) values
      ('hk-1', 'hk.key.old', gen_random_uuid(), 'done', now() - interval '8 days'),
      ('hk-2', 'hk.key.new', gen_random_uuid(), 'done', now() - interval '1 day'),
      ('hk-3', 'hk.key.running', gen_random_uuid(), 'running', null)`);
    await db.execute(sql`insert into platform.outbox (kind, name, payload, run_at, max_attempts, job_id, created_at) values
      ('event', 'hk.event.old', '{}', now() - interval '8 days', 1, gen_random_uuid(), now() - interval '8 days'),
      ('event', 'hk.event.new', '{}', now() - interval '1 day', 1, gen_random_uuid(), now() - interval '1 day'),
      ('job', 'hk.job.old', '{}', now() - interval '8 days', 1, gen_random_uuid(), now() - interval '8 days')`);

    await jobsMaintenance(database, systemClock).run();

    expect(await rows(sql`select name from platform.jobs where name like 'hk.%'`)).toEqual([
      'hk.done.new',
      'hk.pending.old',
    ]);
    expect(await rows(sql`select name from platform.jobs_done where name like 'hk.%'`)).toEqual([
      'hk.key.new',
      'hk.key.running',
    ]);
    expect(await rows(sql`select name from platform.outbox where name like 'hk.%'`)).toEqual([
      'hk.event.new',
      'hk.job.old',
    ]);
  });
});
