import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Agora } from '../../src/app.js';
import type { Db } from '../../src/platform/db/database.js';
import { bareFastify, type Scenario } from '../scenario.js';

const USER = '4518e644-1ff3-4003-a14e-99dfe3fdd7ab';
/** The baseline writes to the same database: its rows carry another user, so the check counts the app's. */
const BASELINE_USER = '00000000-0000-4000-8000-0000000000b1';
const FILM = 'e9897504-9b73-40bb-a22e-815daf7a190d';
const BODY = JSON.stringify({ type: 'movie_progress', user_id: USER, movie_id: FILM, progress: 1232 });

const count = async (db: Db, what: ReturnType<typeof sql>) =>
  Number(((await db.execute(what)) as unknown as { rows: { n: string }[] }).rows[0]!.n);

/**
 * After the load, the app's process waits for its queue to drain and prints how many requests it accepted and
 * how many events its table gained: they must be equal (at-least-once delivery, written once per event id).
 */
function checkOnExit(agora: Agora, before: number, accepted: () => number) {
  const { db } = agora.ctx.database;
  const appended = async () =>
    (await count(db, sql`select count(*) as n from cinema.events where user_id = ${USER}`)) - before;
  process.once('SIGTERM', () => {
    void (async () => {
      const started = Date.now();
      let rows = await appended();
      while (rows < accepted() && Date.now() - started < 300_000) {
        await new Promise((r) => setTimeout(r, 500));
        rows = await appended();
      }
      const waited = Math.round((Date.now() - started) / 1000);
      console.error(
        `event-intake: ${accepted()} requests accepted (none refused), ${rows} events appended (${waited} s after the load)`,
      );
      process.exit(accepted() === rows ? 0 : 1);
    })();
  });
}

/**
 * `POST /cinema/event`: each accepted event is written to the outbox in the request (durable when it answers)
 * and appended by the worker running in the same process. The baseline is a bare Fastify app inserting the
 * event straight into the events table: the synchronous write the queue replaces.
 */
export const scenario: Scenario = {
  name: 'event-intake',
  description: 'POST /cinema/event (movie_progress) through the outbox and job queue vs a direct insert',
  connections: 32,
  config: { JOBS_POLL_INTERVAL: '100ms' },
  prepare: async (agora) => {
    const before = await count(
      agora.ctx.database.db,
      sql`select count(*) as n from cinema.events where user_id = ${USER}`,
    );
    let accepted = 0;
    // Every request that reached the server and was not refused: autocannon leaves requests in flight when it
    // stops a run, and the server still commits their events though no client reads the 200.
    agora.app.server.on('request', (req, res) => {
      if (req.method !== 'POST' || req.url !== '/cinema/event') return;
      accepted++;
      res.once('finish', () => {
        if (res.statusCode !== 200) accepted--;
      });
    });
    agora.startWorkers();
    checkOnExit(agora, before, () => accepted);
    return { path: '/cinema/event', method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY };
  },
  baseline: async ({ database }) => {
    const app = bareFastify();
    app.post('/cinema/event', async (req) => {
      const e = req.body as { type: string; user_id: string; movie_id: string; progress: number };
      await database.db.execute(sql`insert into cinema.events (id, type, user_id, film_id, progress, occurred_at)
        values (${randomUUID()}, ${e.type}, ${e.user_id === USER ? BASELINE_USER : e.user_id}, ${e.movie_id},
          ${e.progress}, now())`);
      return { success: true };
    });
    return app;
  },
};
