import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { EVENT_JOB } from '../../src/modules/cinema/cinema.events.js';
import { TEST_SECRET, testApp } from '../helpers/app.js';
import { testDatabase, usingPostgres } from '../helpers/db.js';
import { eventually, sleep } from '../jobs/helpers.js';
import { API, catalogue, viewer, type Viewer } from './helpers.js';
import { loadShipped } from './helpers.js';

const rowsOf = <T>(res: unknown) => (res as { rows: T[] }).rows;

describe('cinema viewing events', () => {
  let agora: Agora;
  let ann: Viewer;
  let stop: (() => Promise<void>) | undefined;
  const film = catalogue.films[0]!.id;
  const other = catalogue.films[1]!.id;
  const post = (payload: unknown, who?: Viewer, raw = false) =>
    agora.app.inject({
      method: 'POST',
      url: '/cinema/event',
      headers: { 'content-type': 'application/json', ...(who?.headers ?? {}) },
      payload: raw ? (payload as string) : JSON.stringify(payload),
    });
  const count = async (where = sql`true`) =>
    rowsOf<{ n: number }>(
      await agora.ctx.database.db.execute(sql`select count(*)::int as n from cinema.events where ${where}`),
    )[0]!.n;
  const drained = async () => {
    stop ??= agora.startWorkers();
    await eventually(
      async () =>
        rowsOf<{ n: number }>(
          await agora.ctx.database.db.execute(
            sql`select (select count(*) from platform.outbox) + (select count(*) from platform.jobs
              where status in ('pending', 'running')) as n`,
          ),
        ).every((r) => Number(r.n) === 0),
      30_000,
      'queue drained',
    );
  };

  beforeAll(async () => {
    agora = await testApp({ JOBS_POLL_INTERVAL: '50ms', JOBS_LEASE: '2s', JOBS_RETRY_BASE: '100ms' });
    await loadShipped(agora);
    ann = await viewer(agora);
  });
  afterAll(async () => {
    await stop?.();
    await agora.app.close();
  });

  it('accepts a movie_progress event and appends it once the queue drains; the last one is the progress', async () => {
    const user = ann.id;
    const ok = await post({ type: 'movie_progress', user_id: user, movie_id: film, progress: 120 });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ success: true });
    await post({ type: 'movie_progress', user_id: user, movie_id: film, progress: 1232 });
    await post({ type: 'movie_progress', user_id: user, movie_id: other, progress: 5 });
    await drained();
    expect(await count(sql`user_id = ${user}`)).toBe(3);
    const progress = await agora.app.inject({ url: `${API}/films/${film}/progress`, headers: ann.headers });
    expect(progress.statusCode).toBe(200);
    expect(progress.json()).toEqual({ movie_id: film, progress: 1232, occurred_at: expect.any(String) });
    const none = await agora.app.inject({
      url: `${API}/films/${catalogue.films[2]!.id}/progress`,
      headers: ann.headers,
    });
    expect(none.json()).toMatchObject({ progress: null, occurred_at: null });
    expect((await agora.app.inject({ url: `${API}/films/${film}/progress` })).statusCode).toBe(401);
  });

  it("takes the bearer token's user over the body's user_id", async () => {
    const bob = await viewer(agora);
    const res = await post({ type: 'movie_progress', user_id: bob.id, movie_id: film, progress: 77 }, ann);
    expect(res.statusCode).toBe(200);
    await drained();
    expect(await count(sql`user_id = ${bob.id}`)).toBe(0);
    expect(await count(sql`user_id = ${ann.id} and progress = 77`)).toBe(1);
  });

  it('refuses in the seed envelope: not an object, unknown type, invalid fields', async () => {
    for (const body of ['[1]', '"text"', '42', 'null']) {
      const res = await post(body, undefined, true);
      expect(res.statusCode, body).toBe(400);
      expect(res.json()).toEqual({ success: false });
    }
    const unknown = await post({ type: 'movie_rewind', user_id: ann.id, movie_id: film, progress: 1 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toEqual({ success: false, message: expect.stringContaining('Unknown event type') });
    const invalid = await post({ type: 'movie_progress', user_id: 'me', movie_id: film, progress: -1 });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toEqual({
      success: false,
      message: 'Invalid format',
      validation: [
        { field: 'user_id', message: 'must be a uuid' },
        { field: 'progress', message: 'must be a non-negative integer' },
      ],
    });
    // a malformed user_id is refused even when a token's user would win over it
    const withToken = await post({ type: 'movie_progress', user_id: 42, movie_id: film, progress: 1 }, ann);
    expect(withToken.json()).toMatchObject({ success: false, message: 'Invalid format' });
    const missing = await post({ type: 'movie_progress', movie_id: film, progress: 1 });
    expect(missing.json().validation).toEqual([{ field: 'user_id', message: 'must be a uuid' }]);
    expect((await post({ type: 'movie_progress', movie_id: film, progress: 1 }, ann)).statusCode).toBe(200);
    const malformed = await post('{"type":', undefined, true);
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ success: false });
  });

  it('a bad bearer token is 401 in the same envelope (a client reading `success` sees the failure)', async () => {
    const res = await post({ type: 'movie_progress', user_id: ann.id, movie_id: film, progress: 3 }, {
      headers: { authorization: 'Bearer garbage' },
    } as Viewer);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toEqual({ success: false, message: expect.any(String) });
  });

  it('writes a redelivered event once, and exactly one row per accepted request', async () => {
    await drained(); // what earlier tests accepted
    const before = await count();
    const payload = {
      id: '9d3b1f6e-8a2c-4e5f-9b7d-1c2e3f4a5b6d',
      type: 'movie_progress',
      user_id: ann.id,
      movie_id: other,
      progress: 9,
      occurred_at: new Date().toISOString(),
    };
    // the same event delivered twice (as after a lost acknowledgement): two jobs, one row
    await agora.ctx.jobs.enqueue(agora.ctx.database.db, { name: EVENT_JOB, payload, idempotencyKey: 'redelivery-1' });
    await agora.ctx.jobs.enqueue(agora.ctx.database.db, { name: EVENT_JOB, payload, idempotencyKey: 'redelivery-2' });
    const accepted = 40;
    for (let i = 0; i < accepted; i++) {
      expect((await post({ type: 'movie_progress', user_id: ann.id, movie_id: film, progress: i })).statusCode).toBe(
        200,
      );
    }
    await drained();
    expect(await count(sql`id = ${payload.id}`)).toBe(1);
    expect(await count()).toBe(before + 1 + accepted);
  });

  it.skipIf(!usingPostgres())(
    'loses no event when the worker is SIGKILLed in the middle of the queue',
    async () => {
      await stop?.();
      stop = undefined;
      const before = await count();
      const accepted = 300;
      for (let i = 0; i < accepted; i++) {
        await post({ type: 'movie_progress', user_id: ann.id, movie_id: other, progress: 1000 + i });
      }
      const { url } = await testDatabase();
      const worker = spawn(process.execPath, ['bin/agora.js', 'worker'], {
        env: {
          ...process.env,
          DATABASE_URL: url,
          JWT_SECRET: TEST_SECRET,
          LOG_LEVEL: 'silent',
          DEMO_DATA: 'false',
          REDIS_URL: '',
          AMQP_URL: '',
          JOBS_POLL_INTERVAL: '50ms',
          JOBS_LEASE: '2s',
        },
        stdio: 'ignore',
      });
      const exited = new Promise((r) => worker.once('exit', r));
      try {
        await eventually(async () => (await count()) > before, 60_000, 'the child worker appends events');
      } finally {
        worker.kill('SIGKILL');
        await exited;
      }
      const atKill = (await count()) - before;
      await sleep(100);
      stop = agora.startWorkers();
      await drained();
      await eventually(async () => (await count()) === before + accepted, 30_000, 'every event appended');
      expect(await count()).toBe(before + accepted);
      console.log(`SIGKILL after ${atKill} of ${accepted} events; all ${accepted} appended once afterwards`);
    },
    120_000,
  );
});
