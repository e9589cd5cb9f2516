import type { JobResult } from '../../platform/jobs/index.js';
import type { Actor } from '../identity/index.js';
import { CODES, fail, taskNotFound } from './messenger.errors.js';
import { repo, type TaskRow } from './messenger.repository.js';
import type { MessengerDeps } from './messenger.service.js';
import { parseCursor, parseLimit, UUID } from './messenger.service.js';

export const SEARCH_JOB = 'messenger.search.run';
export const MAX_HITS = 100;
/** A task neither SUCCESS nor FAILED this long after its creation is given up by the sweep. */
export const SEARCH_STALE_SECONDS = 15 * 60;

/** A page of hits: `next.iterator` is the last hit's message id (the cursor given, on an empty page). */
const hitsPage = (rows: { id: number; chatId: string; text: string }[], from: number | undefined) => ({
  messages: rows.map((r) => ({ text: r.text, chat_id: r.chatId })),
  next: { iterator: rows.length ? String(rows[rows.length - 1]!.id) : from !== undefined ? String(from) : '' },
});

/** Asynchronous full-text search: a task row + a job written in one transaction; a worker fills the hits. */
export function createSearch(d: MessengerDeps) {
  const { db, config, clock } = d;

  /** The caller's live task, or task-not-found (another user's and expired tasks included). */
  async function ownTask(actor: Actor, taskId: string): Promise<TaskRow> {
    const task = UUID.test(taskId) ? await repo.task(db, taskId) : undefined;
    if (!task || task.userId !== actor.userId || (task.expiresAt && task.expiresAt <= clock.now()))
      throw taskNotFound();
    return task;
  }

  /** First step of the job: the task moves to IN_PROCESS; undefined when it is gone or already finished. */
  async function beginSearch(payload: { taskId: string }): Promise<TaskRow | undefined> {
    const task = await repo.task(db, payload.taskId);
    if (!task || !(await repo.moveTask(db, task.id, ['WAITING', 'IN_PROCESS'], 'IN_PROCESS'))) return undefined;
    return task;
  }

  /** Second step: the full-text query, then the hits and SUCCESS together (nothing if the task left IN_PROCESS). */
  async function completeSearch(task: TaskRow) {
    const hits = await repo.search(db, task.userId, task.query, config.SEARCH_LANGUAGE, MAX_HITS);
    await db.transaction(async (tx) => {
      if (await repo.moveTask(tx, task.id, ['IN_PROCESS'], 'SUCCESS', finish()))
        await repo.replaceHits(tx, task.id, hits);
    });
  }

  const finish = () => {
    const at = clock.now();
    return { at, expiresAt: new Date(at.getTime() + config.MESSENGER_SEARCH_TTL * 1000) };
  };

  return {
    async startSearch(actor: Actor, query: string) {
      const id = clock.uuid();
      await db.transaction(async (tx) => {
        await repo.insertTask(tx, { id, userId: actor.userId, query, createdAt: clock.now() });
        await d.jobs.enqueue(tx, { name: SEARCH_JOB, payload: { taskId: id }, idempotencyKey: `search:${id}` });
      });
      d.jobs.wake();
      return id;
    },

    async searchStatus(actor: Actor, taskId: string) {
      return (await ownTask(actor, taskId)).status;
    },

    async searchResults(actor: Actor, taskId: string, limitRaw: string, fromRaw: string | undefined) {
      const limit = parseLimit(limitRaw, MAX_HITS);
      const from = parseCursor(fromRaw, () => fail(400, CODES.BAD_PARAMETERS));
      const task = await ownTask(actor, taskId);
      if (task.status === 'FAILED') throw fail(400, CODES.TASK_FAILED);
      if (task.status !== 'SUCCESS') throw fail(400, CODES.TASK_NOT_COMPLETE);
      const rows = await repo.hits(db, taskId, limit, from);
      return hitsPage(rows, from);
    },

    /**
     * Search without a task (beyond the seed), for clients that don't want to poll: the same full-text query
     * over the caller's chats, answered at once and paged like the task's hits (newest first; `from` is the
     * last hit's message_id), with no cap of 100.
     */
    async searchNow(actor: Actor, query: string, limitRaw: string, fromRaw: string | undefined) {
      const limit = parseLimit(limitRaw, MAX_HITS);
      const from = parseCursor(fromRaw, () => fail(400, CODES.BAD_PARAMETERS));
      const rows = await repo.search(db, actor.userId, query, config.SEARCH_LANGUAGE, limit, from);
      return hitsPage(rows, from);
    },

    /** The job: WAITING (or IN_PROCESS after a crashed run) → IN_PROCESS → SUCCESS; "skipped" when the task is gone. */
    async runSearch(payload: { taskId: string }): Promise<JobResult> {
      const task = await beginSearch(payload);
      if (!task) return 'skipped';
      await completeSearch(task);
    },
    beginSearch,
    completeSearch,

    /** The job gave up: the task is FAILED (and expires like any other). */
    async failSearch(payload: { taskId: string }) {
      await repo.moveTask(db, payload.taskId, ['WAITING', 'IN_PROCESS'], 'FAILED', finish());
    },

    /**
     * The scheduled sweep: a task still WAITING or IN_PROCESS long after its creation (its job was lost or
     * is stuck) becomes FAILED, and expires like any finished task; expired tasks go with their hits.
     */
    async expireSearches() {
      const now = clock.now();
      const staleBefore = new Date(now.getTime() - SEARCH_STALE_SECONDS * 1000);
      const failed = await repo.failStaleTasks(db, staleBefore, finish());
      const expired = await repo.deleteExpiredTasks(db, now);
      return { failed, expired };
    },
  };
}
