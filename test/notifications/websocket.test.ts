import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { usingRedis } from '../helpers/db.js';
import { registerAndLogin, type TestUser } from '../helpers/identity.js';
import { eventually, sleep } from '../jobs/helpers.js';
import { call, dispatch, manager, N, transport } from './helpers.js';

interface WsLike {
  on(event: 'message', fn: (data: Buffer) => void): void;
  on(event: 'close', fn: (code: number) => void): void;
  on(event: 'open', fn: () => void): void;
  send(data: string): void;
  terminate(): void;
}
// `ws` comes with @fastify/websocket; Node 20 has no WebSocket client of its own.
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string, opts?: unknown) => WsLike;

describe('notifications: websocket channel', () => {
  let agora: Agora;
  /** A second instance on the same database (and Redis when configured): serves sockets, runs no workers. */
  let other: Agora;
  let boss: TestUser;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    agora = await testApp({ ...transport(), JOBS_POLL_INTERVAL: '50ms' });
    other = await testApp({ REDIS_PREFIX: agora.ctx.config.REDIS_PREFIX });
    boss = await manager(agora);
    await agora.app.listen({ port: 0, host: '127.0.0.1' });
    await other.app.listen({ port: 0, host: '127.0.0.1' });
    stop = agora.startWorkers();
  });
  afterAll(async () => {
    await stop();
    await other.app.close();
    await agora.app.close();
  });

  const open = (app: Agora, query = '', first?: string) => {
    const { port } = app.app.server.address() as { port: number };
    const ws = new WebSocket(`ws://127.0.0.1:${port}${N}/ws${query}`);
    const frames: Record<string, unknown>[] = [];
    let closed: number | undefined;
    ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
    ws.on('close', (code) => (closed = code));
    if (first !== undefined) ws.on('open', () => ws.send(first));
    return { ws, frames, closed: () => closed };
  };
  const ready = (s: ReturnType<typeof open>) =>
    eventually(() => s.frames.some((f) => f.type === 'ready'), 5000, 'ready frame');
  const notify = async (users: TestUser[], subject: string) => {
    const res = await call(agora, 'POST', '/notifications/notify', boss, {
      subject,
      body: '<p>{{ username }}</p>',
      schedule: { channel: 'websocket' },
      distribution: { users: users.map((u) => u.id) },
    });
    expect(res.status).toBe(201);
    await dispatch(agora);
    return res.body.id as string;
  };

  it('pushes to every open socket of the user, on this instance and (through Redis) on another', async () => {
    const alice = await registerAndLogin(agora);
    const bob = await registerAndLogin(agora);
    const viaQuery = open(agora, `?token=${alice.access}`);
    const viaMessage = open(agora, '', JSON.stringify({ token: alice.access }));
    const elsewhere = usingRedis() ? open(other, '', alice.access) : undefined;
    const bobs = open(agora, `?token=${bob.access}`);
    const sockets = [viaQuery, viaMessage, ...(elsewhere ? [elsewhere] : [])];
    try {
      for (const s of [...sockets, bobs]) await ready(s);
      await notify([alice], 'For Alice');
      for (const s of sockets)
        await eventually(() => s.frames.some((f) => f.subject === 'For Alice'), 10_000, 'the frame');
      const frame = viaQuery.frames.find((f) => f.subject === 'For Alice')!;
      const [row] = (await call(agora, 'GET', `/notifications/notify/list/${alice.id}?limit=1`, alice)).body;
      expect(frame).toEqual({
        id: row.id,
        subject: 'For Alice',
        body: `<p>${alice.username}</p>`,
        sent_at: row.sent_at,
      });
      expect(row.status).toBe('sent');
      await sleep(300);
      expect(bobs.frames.filter((f) => f.subject)).toEqual([]);
      for (const s of sockets) expect(s.frames.filter((f) => f.subject === 'For Alice')).toHaveLength(1);
    } finally {
      for (const s of [...sockets, bobs]) s.ws.terminate();
    }
  });

  it('keeps the history row of a user who is offline', async () => {
    const carol = await registerAndLogin(agora);
    await notify([carol], 'While away');
    await eventually(
      async () =>
        (await call(agora, 'GET', `/notifications/notify/list/${carol.id}`, carol)).body[0]?.status === 'sent',
      10_000,
      'the history row',
    );
  });

  it('closes a socket whose token does not resolve', async () => {
    const bad = open(agora, '?token=not-a-token');
    await eventually(() => bad.closed() !== undefined, 5000, 'the close');
    expect(bad.closed()).toBe(4401);
    expect(bad.frames[0]).toMatchObject({ type: 'error' });
    const badFirst = open(agora, '', 'garbage');
    await eventually(() => badFirst.closed() !== undefined, 5000, 'the close');
    expect(badFirst.closed()).toBe(4401);
  });
});
