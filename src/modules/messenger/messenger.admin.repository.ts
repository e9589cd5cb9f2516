import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { chats, members, messages, searchTasks } from './messenger.tables.js';

const first = <T>(rows: T[]) => rows[0];

/** The statements the admin panel needs beyond the messenger's own repository. */
export const messengerAdminRepository = {
  chat: async (db: Db, id: string) => first(await db.select().from(chats).where(eq(chats.id, id))),
  member: async (db: Db, id: number) => first(await db.select().from(members).where(eq(members.id, id))),
  membersOf: async (db: Db, chatId: string) =>
    db.select().from(members).where(eq(members.chatId, chatId)).orderBy(asc(members.id)).limit(500),
  message: async (db: Db, id: number) =>
    first(
      await db
        .select({ id: messages.id, chatId: messages.chatId, memberId: messages.memberId, text: messages.text })
        .from(messages)
        .where(eq(messages.id, id)),
    ),
  task: async (db: Db, id: string) => first(await db.select().from(searchTasks).where(eq(searchTasks.id, id))),
  /** Removes one message; returns its chat (undefined when it was already gone). */
  deleteMessage: async (db: Db, id: number) =>
    first(await db.delete(messages).where(eq(messages.id, id)).returning({ chatId: messages.chatId }))?.chatId,
};
