import { sql } from 'drizzle-orm';
import type { Scenario } from '../scenario.js';
import { bareMessenger, messengerFixture, rowsOf } from './messages-read.js';

/**
 * Cold history cache: every page is read from the database. Memberships (which never change) and sessions
 * stay cached, as in production, so Agora runs the page SQL only, where the baseline also looks up the
 * session and the membership on every request.
 */
export const scenario: Scenario = {
  name: 'messages-read-cold',
  description:
    'GET /messenger/v1/chats/{id}/messages?limit=20, history cache disabled (1 ms TTL: every page read runs its SQL; memberships and sessions stay cached) vs bare Fastify doing session + membership + page SQL',
  config: { MESSENGER_RATE_LIMIT_ENABLED: 'false', MESSENGER_HISTORY_CACHE_TTL: '1ms' },
  prepare: async (agora) => {
    const { chatId, headers } = await messengerFixture(agora, 1000);
    return { path: `/messenger/v1/chats/${chatId}/messages?limit=20`, headers };
  },
  baseline: ({ database }) =>
    bareMessenger(
      database,
      async (chatId, _userId, req) => {
        const rows = rowsOf<{ id: string; text: string }>(
          await database.db.execute(sql`select id, text from messenger.messages where chat_id = ${chatId}
            order by id desc limit ${Number(req.query.limit)}`),
        );
        return { messages: rows.map((r) => ({ text: r.text })), next: { iterator: String(rows.at(-1)?.id ?? '') } };
      },
      200,
    ),
};
