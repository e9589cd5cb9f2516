import { and, desc, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { chats, members, messages, searchHits, searchTasks } from './messenger.tables.js';

export type TaskRow = typeof searchTasks.$inferSelect;
export type TaskStatus = 'WAITING' | 'IN_PROCESS' | 'SUCCESS' | 'FAILED';

/** Every SQL statement of the messenger. */
export const repo = {
  async insertChat(db: Db, row: { id: string; name: string; createdBy: string }) {
    await db.insert(chats).values(row);
  },
  async chatExists(db: Db, id: string) {
    const [row] = await db.select({ id: chats.id }).from(chats).where(eq(chats.id, id)).limit(1);
    return Boolean(row);
  },
  async insertMember(db: Db, row: { chatId: string; userId: string; userName: string }) {
    const [m] = await db.insert(members).values(row).returning({ id: members.id });
    return m!.id;
  },
  async isMember(db: Db, chatId: string, userId: string) {
    const [row] = await db
      .select({ id: members.id })
      .from(members)
      .where(and(eq(members.chatId, chatId), eq(members.userId, userId)))
      .limit(1);
    return Boolean(row);
  },
  async member(db: Db, id: number) {
    const [row] = await db.select().from(members).where(eq(members.id, id)).limit(1);
    return row;
  },
  /**
   * Stores a message and returns, in the same statement, the accounts that belong to its chat: live delivery
   * sends them with the event, so no instance looks the members up again.
   */
  async insertMessage(db: Db, row: { chatId: string; memberId: number; text: string; language: string }) {
    const [m] = await db
      .insert(messages)
      .values({
        chatId: row.chatId,
        memberId: row.memberId,
        text: row.text,
        tsv: sql`to_tsvector(${row.language}::regconfig, ${row.text})`,
      })
      .returning({
        id: messages.id,
        memberIds: sql<
          string[]
        >`(select coalesce(array_agg(distinct m.user_id::text), '{}') from messenger.members m where m.chat_id = ${row.chatId})`,
      });
    return { id: m!.id, memberIds: m!.memberIds };
  },
  async messageInChat(db: Db, chatId: string, id: number) {
    const [row] = await db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.chatId, chatId), eq(messages.id, id)))
      .limit(1);
    return Boolean(row);
  },
  /** Newest first, strictly older than `before`: ids only grow, so pages never shift under new messages. */
  async history(db: Db, chatId: string, limit: number, before?: number) {
    return db
      .select({ id: messages.id, text: messages.text })
      .from(messages)
      .where(
        before === undefined ? eq(messages.chatId, chatId) : and(eq(messages.chatId, chatId), lt(messages.id, before)),
      )
      .orderBy(desc(messages.id))
      .limit(limit);
  },

  async insertTask(db: Db, row: { id: string; userId: string; query: string; createdAt: Date }) {
    await db.insert(searchTasks).values(row);
  },
  async task(db: Db, id: string) {
    const [row] = await db.select().from(searchTasks).where(eq(searchTasks.id, id)).limit(1);
    return row;
  },
  /** Moves a task from one of `from` to `to`; false when it was not in such a state (or is gone). */
  async moveTask(db: Db, id: string, from: TaskStatus[], to: TaskStatus, finish?: { at: Date; expiresAt: Date }) {
    const rows = await db
      .update(searchTasks)
      .set({ status: to, ...(finish ? { finishedAt: finish.at, expiresAt: finish.expiresAt } : {}) })
      .where(and(eq(searchTasks.id, id), inArray(searchTasks.status, from)))
      .returning({ id: searchTasks.id });
    return rows.length > 0;
  },
  /** Full-text search over every chat `userId` belongs to: at most `limit` hits, newest first (before `before`). */
  async search(db: Db, userId: string, query: string, language: string, limit: number, before?: number) {
    return db
      .select({ id: messages.id, chatId: messages.chatId, text: messages.text })
      .from(messages)
      .where(
        and(
          inArray(
            messages.chatId,
            db.selectDistinct({ chatId: members.chatId }).from(members).where(eq(members.userId, userId)),
          ),
          sql`${messages.tsv} @@ websearch_to_tsquery(${language}::regconfig, ${query})`,
          before === undefined ? undefined : lt(messages.id, before),
        ),
      )
      .orderBy(desc(messages.id))
      .limit(limit);
  },
  async replaceHits(db: Db, taskId: string, hits: { id: number; chatId: string; text: string }[]) {
    await db.delete(searchHits).where(eq(searchHits.taskId, taskId));
    if (hits.length)
      await db
        .insert(searchHits)
        .values(hits.map((h, i) => ({ taskId, messageId: h.id, chatId: h.chatId, text: h.text, position: i })));
  },
  async hits(db: Db, taskId: string, limit: number, before?: number) {
    return db
      .select({ id: searchHits.messageId, chatId: searchHits.chatId, text: searchHits.text })
      .from(searchHits)
      .where(
        before === undefined
          ? eq(searchHits.taskId, taskId)
          : and(eq(searchHits.taskId, taskId), lt(searchHits.messageId, before)),
      )
      .orderBy(desc(searchHits.messageId))
      .limit(limit);
  },
  /** Tasks created before `before` and still WAITING or IN_PROCESS become FAILED (expiring at `finish.expiresAt`). */
  async failStaleTasks(db: Db, before: Date, finish: { at: Date; expiresAt: Date }) {
    const rows = await db
      .update(searchTasks)
      .set({ status: 'FAILED', finishedAt: finish.at, expiresAt: finish.expiresAt })
      .where(and(inArray(searchTasks.status, ['WAITING', 'IN_PROCESS']), lt(searchTasks.createdAt, before)))
      .returning({ id: searchTasks.id });
    return rows.length;
  },
  async deleteExpiredTasks(db: Db, now: Date) {
    const rows = await db.delete(searchTasks).where(lte(searchTasks.expiresAt, now)).returning({ id: searchTasks.id });
    return rows.length;
  },
};
