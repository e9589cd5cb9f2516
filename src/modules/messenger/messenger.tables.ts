import { bigint, customType, index, integer, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const messenger = pgSchema('messenger');

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** Chat ids are random uuids: knowing one is the invitation to join. */
export const chats = messenger.table('chats', {
  id: uuid().primaryKey(),
  name: text().notNull(),
  createdBy: uuid().notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** A membership ("user_id" in the contract): an identity account under a display name in one chat. */
export const members = messenger.table(
  'members',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    chatId: uuid()
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    userId: uuid().notNull(),
    userName: text().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('members_chat_user_idx').on(t.chatId, t.userId), index('members_user_idx').on(t.userId, t.chatId)],
);

/**
 * Message ids grow with time, so "newest first, before <id>" is a stable cursor. `tsv` is filled on insert
 * with the configured text-search language (SEARCH_LANGUAGE) and indexed with GIN.
 */
export const messages = messenger.table(
  'messages',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    chatId: uuid()
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    memberId: bigint({ mode: 'number' }).notNull(),
    text: text().notNull(),
    tsv: tsvector().notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('messages_chat_id_idx').on(t.chatId, t.id.desc()), index('messages_tsv_idx').using('gin', t.tsv)],
);

/** status: WAITING → IN_PROCESS → SUCCESS | FAILED; expired tasks are deleted with their hits. */
export const searchTasks = messenger.table(
  'search_tasks',
  {
    id: uuid().primaryKey(),
    userId: uuid().notNull(),
    query: text().notNull(),
    status: text().notNull().default('WAITING'),
    createdAt: ts('created_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
    expiresAt: ts('expires_at'),
  },
  (t) => [index('search_tasks_expires_idx').on(t.expiresAt)],
);

export const searchHits = messenger.table(
  'search_hits',
  {
    taskId: uuid()
      .notNull()
      .references(() => searchTasks.id, { onDelete: 'cascade' }),
    messageId: bigint({ mode: 'number' }).notNull(),
    chatId: uuid().notNull(),
    text: text().notNull(),
    position: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.messageId] })],
);
