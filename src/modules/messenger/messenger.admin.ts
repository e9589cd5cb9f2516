import { defineAdmin, readOnlyFields, type AdminResource } from '../../platform/admin/resource.js';
import type { Db } from '../../platform/db/database.js';
import { messengerAdminRepository as repo } from './messenger.admin.repository.js';
import type { MessengerService } from './messenger.service.js';
import { chats, members, messages, searchTasks } from './messenger.tables.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const numericId = (raw: string) => (/^\d{1,15}$/.test(raw) ? Number(raw) : undefined);
const STATUSES = ['WAITING', 'IN_PROCESS', 'SUCCESS', 'FAILED'].map((s) => ({ value: s, label: s }));

/** The messenger in the panel: chats and members (read-only), messages (delete for moderation), search tasks. */
export function messengerAdmin(db: Db, service: MessengerService) {
  const chatResource: AdminResource = {
    name: 'chats',
    label: 'Chats',
    source: { table: chats, id: chats.id },
    columns: [
      { key: 'name', label: 'Chat' },
      { key: 'createdBy', label: 'Created by' },
      { key: 'createdAt', label: 'Created' },
    ],
    search: [chats.name, chats.id],
    searchHint: 'chat name or id',
    fields: readOnlyFields('id', 'name', 'createdBy', 'createdAt'),
    title: (c) => String(c.name),
    get: async (id) => (UUID.test(id) ? repo.chat(db, id) : undefined),
    inlines: [
      {
        label: 'Members',
        columns: [
          { key: 'id', label: 'Member' },
          { key: 'userName', label: 'Name' },
          { key: 'userId', label: 'User id' },
          { key: 'createdAt', label: 'Joined' },
        ],
        link: { resource: 'members', key: 'id' },
        load: (id) => (UUID.test(id) ? repo.membersOf(db, id) : Promise.resolve([])),
      },
    ],
  };

  const memberResource: AdminResource = {
    name: 'members',
    label: 'Members',
    source: { table: members, id: members.id },
    columns: [
      { key: 'userName', label: 'Name' },
      { key: 'chatId', label: 'Chat' },
      { key: 'userId', label: 'User id' },
      { key: 'createdAt', label: 'Joined' },
    ],
    search: [members.userName, members.chatId, members.userId],
    searchHint: 'name, chat id or user id',
    fields: readOnlyFields('userName', 'chatId', 'userId', 'createdAt'),
    title: (m) => `${String(m.userName)} (member ${String(m.id)})`,
    get: async (id) => (numericId(id) === undefined ? undefined : repo.member(db, numericId(id)!)),
  };

  const messageResource: AdminResource = {
    name: 'messages',
    label: 'Messages',
    source: { table: messages, id: messages.id },
    columns: [
      { key: 'text', label: 'Message' },
      { key: 'chatId', label: 'Chat' },
      { key: 'memberId', label: 'Member' },
      { key: 'createdAt', label: 'Sent' },
    ],
    search: [messages.text, messages.chatId, messages.id],
    searchHint: 'text, chat id or message id',
    ordering: [{ key: 'id', label: 'Newest first', column: messages.id, desc: true }],
    fields: readOnlyFields('text', 'chatId', 'memberId'),
    title: (m) => `Message ${String(m.id)}`,
    get: async (id) => (numericId(id) === undefined ? undefined : repo.message(db, numericId(id)!)),
    delete: (id) => service.deleteMessage(numericId(id) ?? 0),
  };

  const taskResource: AdminResource = {
    name: 'search-tasks',
    label: 'Search tasks',
    source: { table: searchTasks, id: searchTasks.id },
    columns: [
      { key: 'query', label: 'Query' },
      { key: 'status', label: 'Status' },
      { key: 'userId', label: 'User id' },
      { key: 'createdAt', label: 'Created' },
      { key: 'finishedAt', label: 'Finished' },
    ],
    search: [searchTasks.query, searchTasks.userId, searchTasks.id],
    searchHint: 'query, user id or task id',
    filters: [{ name: 'status', label: 'Status', column: searchTasks.status, options: STATUSES }],
    fields: readOnlyFields('query', 'status', 'userId', 'createdAt', 'finishedAt', 'expiresAt'),
    title: (t) => `Search “${String(t.query)}”`,
    get: async (id) => (UUID.test(id) ? repo.task(db, id) : undefined),
  };

  return defineAdmin({
    module: 'messenger',
    label: 'Messenger',
    resources: [chatResource, memberResource, messageResource, taskResource],
  });
}
