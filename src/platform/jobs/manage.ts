import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { jobs } from '../platform.tables.js';

export type JobRow = typeof jobs.$inferSelect;

/** What an operator may do to the embedded queue's jobs (the admin panel calls these). */
export const jobsManagement = (db: Db, now: () => Date) => ({
  jobById: async (id: string): Promise<JobRow | undefined> => (await db.select().from(jobs).where(eq(jobs.id, id)))[0],
  /** A dead job runs again from its first attempt; undefined when it is not dead (or gone). */
  retry: async (id: string): Promise<JobRow | undefined> =>
    (
      await db
        .update(jobs)
        .set({ status: 'pending', attempts: 0, runAt: now(), lastError: null, finishedAt: null, lockedBy: null })
        .where(and(eq(jobs.id, id), eq(jobs.status, 'dead')))
        .returning()
    )[0],
  /** Drops a job that is not running; false when it is running (or gone). */
  discard: async (id: string): Promise<boolean> =>
    (
      await db
        .delete(jobs)
        .where(and(eq(jobs.id, id), inArray(jobs.status, ['pending', 'dead', 'done'])))
        .returning({ id: jobs.id })
    ).length > 0,
});
