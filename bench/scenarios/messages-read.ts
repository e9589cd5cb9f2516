import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Agora } from '../../src/app.js';
import type { Database } from '../../src/platform/db/database.js';
import { bareFastify, type Scenario } from '../scenario.js';

export const rowsOf = <T>(res: unknown) => (res as { rows: T[] }).rows;

/** A messenger user with a session, a chat with `count` messages, and the membership that posts them. */
export async function messengerFixture(agora: Agora, count: number) {
  const { service } = agora.identity;
  const user = await service.register({ username: `bench${Date.now()}`, password: 'bench-password-123' });
  const { sessionId } = await service.openSession(user, { client: 'messenger', ttl: 3600 });
  const headers = { authorization: `session_id ${sessionId}` };
  const inject = async (url: string, body: unknown) =>
    (await agora.app.inject({ method: 'POST', url: `/messenger${url}`, headers, payload: body as object })).json<
      Record<string, string>
    >();
  const { chat_id: chatId } = await inject('/v1/chats', { chat_name: 'bench' });
  const { user_id: memberId } = await inject(`/v1/chats/${chatId}/users`, { user_name: 'bench' });
  await agora.ctx.database.exec(`insert into messenger.messages (chat_id, member_id, text, tsv)
    select '${chatId}', ${Number(memberId)}, 'bench message number ' || g,
      to_tsvector('english', 'bench message number ' || g) from generate_series(1, ${count}) g`);
  return { chatId: chatId!, memberId: memberId!, headers };
}

/** The straightforward service: session lookup, membership check, then the work, on every request. */
export async function bareMessenger(
  database: Database,
  work: (chatId: string, userId: string, req: { query: Record<string, string>; body: unknown }) => Promise<unknown>,
  status: number,
): Promise<FastifyInstance> {
  const { db } = database;
  const app = bareFastify();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, JSON.parse(String(body))));
  app.route({
    method: ['GET', 'POST'],
    url: '/messenger/v1/chats/:chat_id/messages',
    handler: async (req, reply) => {
      const secret = (req.headers.authorization ?? '').slice('session_id '.length);
      const hash = createHash('sha256').update(secret).digest('hex');
      const [session] = rowsOf<{ user_id: string }>(
        await db.execute(sql`select user_id from identity.sessions
          where secret_hash = ${hash} and revoked_at is null and expires_at > now()`),
      );
      if (!session) return reply.code(401).send({ message: 'invalid-session-id' });
      const chatId = (req.params as { chat_id: string }).chat_id;
      const member = rowsOf(
        await db.execute(
          sql`select 1 from messenger.members where chat_id = ${chatId} and user_id = ${session.user_id} limit 1`,
        ),
      );
      if (!member.length) return reply.code(404).send({ message: 'chat-not-found' });
      const out = await work(chatId, session.user_id, {
        query: req.query as Record<string, string>,
        body: req.body,
      });
      return reply.code(status).send(out);
    },
  });
  return app;
}

/** Warm cache: after the first request every page comes from the history cache (no SQL at all). */
export const scenario: Scenario = {
  name: 'messages-read',
  description:
    'GET /messenger/v1/chats/{id}/messages?limit=20, warm history cache vs bare Fastify doing session + membership + page SQL',
  config: { MESSENGER_RATE_LIMIT_ENABLED: 'false' },
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
