import { sql } from 'drizzle-orm';
import type { Scenario } from '../scenario.js';
import { bareMessenger, messengerFixture, rowsOf } from './messages-read.js';

/** Posting: membership lookup, insert with its tsvector, cache generation bump, live announce. */
export const scenario: Scenario = {
  name: 'messages-post',
  description:
    'POST /messenger/v1/chats/{id}/messages?user_id=… vs bare Fastify doing session + membership + insert (with tsvector)',
  config: { MESSENGER_RATE_LIMIT_ENABLED: 'false' },
  prepare: async (agora) => {
    const { chatId, memberId, headers } = await messengerFixture(agora, 100);
    return {
      path: `/messenger/v1/chats/${chatId}/messages?user_id=${memberId}`,
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'a new message posted by the benchmark' }),
    };
  },
  baseline: ({ database }) =>
    bareMessenger(
      database,
      async (chatId, _userId, req) => {
        const text = (req.body as { message: string }).message;
        const memberId = Number(req.query.user_id);
        const [row] = rowsOf<{ id: string }>(
          await database.db.execute(sql`insert into messenger.messages (chat_id, member_id, text, tsv)
            values (${chatId}, ${memberId}, ${text}, to_tsvector('english'::regconfig, ${text})) returning id`),
        );
        return { message_id: String(row!.id) };
      },
      201,
    ),
};
