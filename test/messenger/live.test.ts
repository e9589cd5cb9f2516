import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { eventually } from '../jobs/helpers.js';
import { call, chatWith, P, post, signup, type Client } from './helpers.js';

interface WsLike {
  on(event: 'message', fn: (data: Buffer) => void): void;
  terminate(): void;
}
// `ws` comes with @fastify/websocket; Node 20 has no WebSocket client of its own.
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string, opts: unknown) => WsLike;

describe('messenger: live delivery over websocket', () => {
  let agora: Agora;
  let other: Agora;
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    agora = await testApp({ MESSENGER_RATE_LIMIT_ENABLED: 'false' });
    // a second instance on the same database (and the same Redis when configured): the fan-out target
    other = await testApp({ MESSENGER_RATE_LIMIT_ENABLED: 'false', REDIS_PREFIX: agora.ctx.config.REDIS_PREFIX });
    alice = await signup(agora);
    bob = await signup(agora);
    await agora.app.listen({ port: 0, host: '127.0.0.1' });
    await other.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await other.app.close();
    await agora.app.close();
  });

  const connect = async (app: Agora, client: Client) => {
    const frames: Record<string, unknown>[] = [];
    const address = app.app.server.address();
    const port = address && typeof address === 'object' ? address.port : 0;
    const ws = new WebSocket(`ws://127.0.0.1:${port}${P}/v1/live`, { headers: client.auth });
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
    return { ws, frames };
  };

  it('streams new messages of the caller chats only', async () => {
    const shared = await chatWith(agora, alice);
    await call(agora, 'POST', `/v1/chats/${shared.chatId}/users`, { client: bob, body: { user_name: 'bob' } });
    const privateChat = await chatWith(agora, alice);
    const bobLive = await connect(agora, bob);
    try {
      await eventually(() => bobLive.frames.length === 1, 5000, 'ready frame');
      const id = await post(agora, alice, shared.chatId, shared.memberId, 'hi bob');
      await post(agora, alice, privateChat.chatId, privateChat.memberId, 'not for bob');
      await eventually(() => bobLive.frames.length >= 2, 5000, 'message frame');
      await new Promise((r) => setTimeout(r, 200));
      expect(bobLive.frames.slice(1)).toEqual([
        // user_id is the author's membership id in that chat, as in the REST API; never their account id.
        { chat_id: shared.chatId, message_id: id, user_id: shared.memberId, user_name: alice.name, text: 'hi bob' },
      ]);
    } finally {
      bobLive.ws.terminate();
    }
  });

  it('delivers with the member list carried by the event: no query per delivering instance', async () => {
    const chat = await chatWith(agora, alice);
    await call(agora, 'POST', `/v1/chats/${chat.chatId}/users`, { client: bob, body: { user_name: 'bob' } });
    const { database } = agora.ctx;
    const statements = async (text: string, until?: () => boolean) => {
      const before = database.queryCount();
      await post(agora, alice, chat.chatId, chat.memberId, text);
      if (until) await eventually(until, 5000, text);
      await new Promise((r) => setTimeout(r, 100));
      return database.queryCount() - before;
    };
    await statements('warm the caches');
    const unheard = await statements('no one listens');
    const bobLive = await connect(agora, bob);
    try {
      await eventually(() => bobLive.frames.length === 1, 5000, 'ready frame');
      const heard = await statements('bob listens', () => bobLive.frames.length === 2);
      expect(bobLive.frames[1]).toMatchObject({ chat_id: chat.chatId, text: 'bob listens' });
      expect(heard).toBe(unheard);
    } finally {
      bobLive.ws.terminate();
    }
  });

  it('refuses a connection without a valid session', async () => {
    const res = await agora.app.inject({ url: `${P}/v1/live`, headers: { authorization: 'session_id nope' } });
    expect([res.statusCode, res.json()]).toEqual([401, { message: 'invalid-session-id' }]);
  });

  it('takes ?session_id= on the live stream only, never on another route', async () => {
    const address = agora.app.server.address();
    const port = address && typeof address === 'object' ? address.port : 0;
    const frames: unknown[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${port}${P}/v1/live?session_id=${bob.session}`, {});
    ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
    try {
      await eventually(() => frames.length === 1, 5000, 'ready frame over a query-string session');
    } finally {
      ws.terminate();
    }
    const chat = await chatWith(agora, bob);
    const sneaky = await agora.app.inject({
      url: `${P}/v1/chats/${chat.chatId}/messages?limit=1&session_id=${bob.session}&x=/v1/live`,
    });
    expect([sneaky.statusCode, sneaky.json()]).toEqual([401, { message: 'auth-failed' }]);
  });

  it.runIf(process.env.TEST_REDIS_URL)('fans out across instances through Redis pub/sub', async () => {
    const chat = await chatWith(agora, alice);
    await call(agora, 'POST', `/v1/chats/${chat.chatId}/users`, { client: bob, body: { user_name: 'bob' } });
    const bobLive = await connect(other, bob);
    try {
      await eventually(() => bobLive.frames.length === 1, 5000, 'ready frame');
      await post(agora, alice, chat.chatId, chat.memberId, 'across instances');
      await eventually(() => bobLive.frames.some((f) => f.text === 'across instances'), 5000, 'fan-out');
    } finally {
      bobLive.ws.terminate();
    }
  });
});
