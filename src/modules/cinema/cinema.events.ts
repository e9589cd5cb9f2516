import { sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Jobs } from '../../platform/jobs/index.js';
import { catalogueRepository } from './cinema.catalogue.repository.js';
import { filmNotFound } from './cinema.errors.js';
import { query, toDate } from './cinema.sql.js';
import { events } from './cinema.tables.js';

export const EVENT_JOB = 'cinema.event.append';
const TYPES = ['movie_progress'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ViewingEvent {
  id: string;
  type: string;
  user_id: string;
  movie_id: string;
  progress: number;
  occurred_at: string;
}

/** The seed's Flask answers: 400 {"success": false, ...}. */
const refuse = (body: Record<string, unknown>) =>
  new AppError('EVENT_REFUSED', 400, String(body.message ?? 'Bad request'), body);

/** Checks an intake body as the seed did; the token's user, when there is one, wins over the body's. */
export function parseEvent(body: unknown, tokenUser: string | undefined) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw refuse({ success: false });
  const b = body as Record<string, unknown>;
  if (typeof b.type !== 'string' || !TYPES.includes(b.type)) {
    throw refuse({ success: false, message: `Unknown event type: ${String(b.type)}` });
  }
  const problems: { field: string; message: string }[] = [];
  // A malformed user_id is refused even when the token's user wins over it.
  const bodyUser = b.user_id;
  if ((bodyUser !== undefined || !tokenUser) && (typeof bodyUser !== 'string' || !UUID.test(bodyUser)))
    problems.push({ field: 'user_id', message: 'must be a uuid' });
  const userId = tokenUser ?? bodyUser;
  if (typeof b.movie_id !== 'string' || !UUID.test(b.movie_id))
    problems.push({ field: 'movie_id', message: 'must be a uuid' });
  const progress = b.progress;
  if (typeof progress !== 'number' || !Number.isInteger(progress) || progress < 0 || progress > 2_147_483_647)
    problems.push({ field: 'progress', message: 'must be a non-negative integer' });
  if (problems.length) throw refuse({ success: false, message: 'Invalid format', validation: problems });
  return { type: b.type, userId: userId as string, movieId: b.movie_id as string, progress: progress as number };
}

/**
 * Viewing events: the intake writes a job to the outbox (durable once the request answers); a worker appends
 * it to the events table. The event id given at intake is the row's key and the job's idempotency key, so a
 * redelivered job never writes twice.
 */
export function eventsService({ db, jobs, clock }: { db: Db; jobs: Jobs; clock: Clock }) {
  jobs.register<ViewingEvent>(EVENT_JOB, async (e) => {
    await db
      .insert(events)
      .values({
        id: e.id,
        type: e.type,
        userId: e.user_id,
        filmId: e.movie_id,
        progress: e.progress,
        occurredAt: new Date(e.occurred_at),
      })
      .onConflictDoNothing();
  });

  return {
    async intake(body: unknown, tokenUser: string | undefined) {
      const e = parseEvent(body, tokenUser);
      const payload: ViewingEvent = {
        id: clock.uuid(),
        type: e.type,
        user_id: e.userId,
        movie_id: e.movieId,
        progress: e.progress,
        occurred_at: clock.now().toISOString(),
      };
      await jobs.enqueue(db, { name: EVENT_JOB, payload, idempotencyKey: `cinema.event:${payload.id}` });
      jobs.wake();
    },

    /** The caller's last progress in a film (once the worker appended it). */
    async progress(userId: string, filmId: string) {
      if (!(await catalogueRepository.filmExists(db, filmId))) throw filmNotFound();
      const [last] = await query<{ progress: number; occurred_at: unknown }>(
        db,
        sql`select progress, occurred_at from cinema.events where user_id = ${userId} and film_id = ${filmId}
          order by occurred_at desc nulls last, seq desc nulls last limit 1`,
      );
      return {
        movie_id: filmId,
        progress: last ? Number(last.progress) : null,
        occurred_at: last ? toDate(last.occurred_at).toISOString() : null,
      };
    },
  };
}
export type EventsService = ReturnType<typeof eventsService>;
