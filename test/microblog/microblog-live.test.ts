import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { eventually } from '../jobs/helpers.js';
import { API, blogger, type Blogger } from './helpers.js';

interface WsLike {
  on(event: 'message', fn: (data: Buffer) => void): void;
  on(event: 'close', fn: (code: number) => void): void;
  send(data: string): void;
  terminate(): void;
}
// `ws` comes with @fastify/websocket; Node 20 has no WebSocket client of its own.
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string, opts?: unknown) => WsLike;

describe('microblog: the live feed over a websocket (beyond the seed)', () => {
  let agora: Agora;
  let other: Agora;
  let ann: Blogger;
  let bob: Blogger;
  let cat: Blogger;
  beforeAll(async () => {
    agora = await testApp();
    // a second instance on the same database (and the same Redis when configured): the fan-out target
    other = await testApp({ REDIS_PREFIX: agora.ctx.config.REDIS_PREFIX });
    [ann, bob, cat] = [await blogger(agora), await blogger(agora), await blogger(agora)];
    await agora.app.listen({ port: 0, host: '127.0.0.1' });
    await other.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await other?.app.close();
    await agora?.app.close();
  });

  const portOf = (app: Agora) => {
    const address = app.app.server.address();
    return address && typeof address === 'object' ? address.port : 0;
  };
  const connect = (app: Agora, how: { headers?: Record<string, string>; query?: string; first?: string }) => {
    const frames: Record<string, unknown>[] = [];
    const closed: number[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${portOf(app)}${API}/live${how.query ?? ''}`, { headers: how.headers });
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
    ws.on('close', (code) => closed.push(code));
    if (how.first) (ws as unknown as { on(e: 'open', f: () => void): void }).on('open', () => ws.send(how.first!));
    return { ws, frames, closed };
  };
  const tweet = (who: Blogger, text: string) =>
    agora.app.inject({ method: 'POST', url: `${API}/tweets`, headers: who.headers, payload: { tweet_data: text } });

  it('sends a new tweet to its author and the author’s followers (on every instance with Redis), and to no one else', async () => {
    expect(
      (await agora.app.inject({ method: 'POST', url: `${API}/users/${ann.id}/follow`, headers: bob.headers }))
        .statusCode,
    ).toBe(201);
    // With Redis, bob listens on the other instance: the tweet crosses over; embedded, on the same one.
    const bobThere = connect(process.env.TEST_REDIS_URL ? other : agora, {
      query: `?api_key=${encodeURIComponent(bob.key)}`,
    });
    const annHere = connect(agora, { headers: ann.headers });
    const catHere = connect(agora, { first: JSON.stringify({ api_key: cat.key }) });
    try {
      for (const s of [bobThere, annHere, catHere])
        await eventually(() => s.frames.some((f) => f.type === 'ready'), 10_000, 'ready');
      const res = await tweet(ann, 'live from ann');
      expect(res.statusCode).toBe(201);
      const id = res.json().tweet_id as number;
      const expected = {
        type: 'tweet',
        tweet: {
          id,
          content: 'live from ann',
          attachments: [],
          author: { id: ann.id, name: ann.name },
          likes: [],
          stamp: expect.any(String),
        },
      };
      for (const s of [bobThere, annHere])
        await eventually(() => s.frames.some((f) => f.type === 'tweet'), 10_000, 'the tweet frame');
      expect(bobThere.frames.filter((f) => f.type === 'tweet')).toEqual([expected]);
      expect(annHere.frames.filter((f) => f.type === 'tweet')).toEqual([expected]);
      // cat follows no one: nothing; and bob's own tweet does not go to ann (she does not follow him)
      await tweet(bob, 'bob speaks');
      await eventually(() => bobThere.frames.filter((f) => f.type === 'tweet').length === 2, 10_000, 'bob’s own');
      await new Promise((r) => setTimeout(r, 300));
      expect(catHere.frames.filter((f) => f.type === 'tweet')).toEqual([]);
      expect(annHere.frames.filter((f) => f.type === 'tweet')).toHaveLength(1);
    } finally {
      for (const s of [bobThere, annHere, catHere]) s.ws.terminate();
    }
  });

  it('refuses a socket without a valid API key (4401), or with a key not scoped for the microblog', async () => {
    const bad = connect(agora, { query: '?api_key=nope' });
    await eventually(() => bad.closed.length === 1, 10_000, 'closed');
    expect(bad.closed).toEqual([4401]);
    expect(bad.frames[0]).toMatchObject({ type: 'error' });
    const user = await agora.identity.service.register({
      username: `scoped${Date.now()}`,
      password: 'pw-pw-pw-pw',
      email: null,
    });
    const { key } = await agora.identity.service.createApiKey(user.id, 'wishlist only', { scopes: ['wishlist:read'] });
    const scoped = connect(agora, { first: key });
    await eventually(() => scoped.closed.length === 1, 10_000, 'closed');
    expect(scoped.closed).toEqual([4401]);
  });
});
