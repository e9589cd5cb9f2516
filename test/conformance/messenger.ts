import { unique } from '../helpers/app.js';
import type { Actor, Fixtures, FixtureTable } from './fixtures.js';

export async function chat(f: Fixtures, who: Actor): Promise<{ chatId: string; memberId: string }> {
  const chat = await f.call('POST', '/messenger/v1/chats', who, 'sessionId', { chat_name: unique('chat') });
  const member = await f.call('POST', `/messenger/v1/chats/${chat.chat_id}/users`, who, 'sessionId', {
    user_name: who.username,
  });
  return { chatId: chat.chat_id, memberId: member.user_id };
}

export async function message(
  f: Fixtures,
  who: Actor,
): Promise<{ chatId: string; memberId: string; messageId: string }> {
  const { chatId, memberId } = await chat(f, who);
  const url = `/messenger/v1/chats/${chatId}/messages?user_id=${memberId}`;
  const sent = await f.call('POST', url, who, 'sessionId', { message: 'conformance walking' });
  return { chatId, memberId, messageId: sent.message_id };
}

export async function search(f: Fixtures, who: Actor, done = false): Promise<{ taskId: string; messageId: string }> {
  const { messageId } = await message(f, who);
  const task = await f.call('POST', '/messenger/v1/chats/search', who, 'sessionId', { message: 'walk' });
  for (let i = 0; done && i < 200; i++) {
    const s = await f.call('GET', `/messenger/v1/chats/search/status/${task.task_id}`, who, 'sessionId');
    if (s.status === 'SUCCESS') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { taskId: task.task_id, messageId };
}

export const messengerFixtures: FixtureTable = {
  'POST /messenger/v1/auth/login': {
    ok: async (_f, me) => ({ body: { user_name: me.username, password: me.password } }),
  },
  'POST /messenger/v1/chats/{chat_id}/users': {
    ok: async (f, me) => ({ params: { chat_id: (await chat(f, me)).chatId } }),
  },
  'POST /messenger/v1/chats/{chat_id}/messages': {
    ok: async (f, me) => {
      const { chatId, memberId } = await chat(f, me);
      return { params: { chat_id: chatId }, query: { user_id: memberId } };
    },
  },
  'GET /messenger/v1/chats/{chat_id}/messages': {
    ok: async (f, me) => {
      const { chatId, messageId } = await message(f, me);
      return { params: { chat_id: chatId }, optional: { from: messageId } };
    },
  },
  'GET /messenger/v1/chats/search/status/{task_id}': {
    ok: async (f, me) => ({ params: { task_id: (await search(f, me)).taskId } }),
  },
  'GET /messenger/v1/chats/search/{task_id}/messages': {
    ok: async (f, me) => {
      const { taskId, messageId } = await search(f, me, true);
      return { params: { task_id: taskId }, optional: { from: messageId } };
    },
  },
};
