import { createRequire } from 'node:module';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import { testApp } from '../helpers/app.js';
import { registerAndLogin, type TestUser } from '../helpers/identity.js';
import { eventually, sleep } from '../jobs/helpers.js';
import { call as messenger, chatWith, post, signup } from '../messenger/helpers.js';
import { blogger, API } from '../microblog/helpers.js';
import { call, dispatch, manager, N, transport } from './helpers.js';

interface WsLike {
  on(event: 'message', fn: (data: Buffer) => void): void;
  terminate(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string, opts?: unknown) => WsLike;

/** Real time, which the test may push forward (the digest's hour). */
function shiftableClock(): Clock & { shift(ms: number): void } {
  let offset = 0;
  return { ...systemClock, now: () => new Date(Date.now() + offset), shift: (ms) => (offset += ms) };
}

describe('notifications: producers in other modules', () => {
  const clock = shiftableClock();
  let agora: Agora;
  let boss: TestUser;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    agora = await testApp(
      { ...transport(), JOBS_POLL_INTERVAL: '50ms', MESSENGER_RATE_LIMIT_ENABLED: 'false' },
      { clock },
    );
    boss = await manager(agora);
    await agora.app.listen({ port: 0, host: '127.0.0.1' });
    stop = agora.startWorkers();
  });
  afterAll(async () => {
    await stop();
    await agora.app.close();
  });

  const mailTo = async (email: string) =>
    (await call(agora, 'GET', `/notifications/mail?to=${encodeURIComponent(email)}`, boss)).body as {
      subject: string;
      text: string;
    }[];
  const login = (user: TestUser, userAgent: string) =>
    agora.app.inject({
      method: 'POST',
      url: '/idp/api/v1/users/token',
      headers: { 'user-agent': userAgent },
      payload: { login: user.username, password: user.password },
    });
  const task = (name: string) => agora.modules.flatMap((m) => m.tasks ?? []).find((t) => t.name === name)!;

  it('identity: mails the owner when the password changes', async () => {
    const user = await registerAndLogin(agora);
    const res = await agora.app.inject({
      method: 'POST',
      url: '/idp/api/v1/users/reset',
      headers: { authorization: `Bearer ${user.access}` },
      payload: { old_password: user.password, password: 'another horse battery' },
    });
    expect(res.statusCode).toBe(204);
    await eventually(async () => (await mailTo(user.email)).length === 1, 15_000, 'the password email');
    expect((await mailTo(user.email))[0]!.subject).toBe('Your Agora password was changed');
  });

  it('identity: mails the owner on a sign-in from a device not seen before, once per device', async () => {
    const user = await registerAndLogin(agora);
    // The sign-in of registerAndLogin is the account's first device.
    const devices = async () =>
      Number(
        (
          (await agora.ctx.database.db.execute(
            sql`select count(*)::int as n from notifications.known_devices where user_id = ${user.id}`,
          )) as unknown as { rows: { n: number }[] }
        ).rows[0]!.n,
      );
    await eventually(async () => (await devices()) === 1, 15_000, 'the first device');
    expect((await login(user, 'Firefox/128 (Linux)')).statusCode).toBe(200);
    await eventually(async () => (await mailTo(user.email)).length === 1, 15_000, 'the new-device email');
    const [mail] = await mailTo(user.email);
    expect(mail!.subject).toBe('New sign-in to your Agora account');
    expect(mail!.text).toContain('Firefox/128 (Linux)');
    expect((await login(user, 'Firefox/128 (Linux)')).statusCode).toBe(200);
    await sleep(1500);
    expect(await mailTo(user.email)).toHaveLength(1);
  });

  it('microblog: tells a user over the websocket when someone follows them or likes their tweet', async () => {
    const author = await blogger(agora);
    const fan = await blogger(agora);
    const authorUser = (await agora.identity.service.getUserByUsername(author.name))!;
    const { accessToken: access } = await agora.identity.service.issueTokens(authorUser);
    const { port } = agora.app.server.address() as { port: number };
    const ws = new WebSocket(`ws://127.0.0.1:${port}${N}/ws?token=${access}`);
    const frames: { subject?: string; type?: string }[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as { subject?: string }));
    try {
      await eventually(() => frames.some((f) => f.type === 'ready'), 5000, 'ready');
      const follow = await agora.app.inject({
        method: 'POST',
        url: `${API}/users/${author.id}/follow`,
        headers: fan.headers,
      });
      expect(follow.statusCode).toBe(201);
      const tweet = await agora.app.inject({
        method: 'POST',
        url: `${API}/tweets`,
        headers: author.headers,
        payload: { tweet_data: 'hello' },
      });
      const tweetId = tweet.json<{ tweet_id: number }>().tweet_id;
      const like = await agora.app.inject({
        method: 'POST',
        url: `${API}/tweets/${tweetId}/likes`,
        headers: fan.headers,
      });
      expect(like.statusCode).toBe(201);
      const want = [`${fan.name} follows you`, `${fan.name} liked your tweet`];
      await eventually(() => want.every((s) => frames.some((f) => f.subject === s)), 15_000, 'follow and like frames');
      // A repeated follow or like is no news.
      await agora.app.inject({ method: 'POST', url: `${API}/users/${author.id}/follow`, headers: fan.headers });
      await agora.app.inject({ method: 'POST', url: `${API}/tweets/${tweetId}/likes`, headers: fan.headers });
      await sleep(1500);
      expect(frames.filter((f) => f.subject)).toHaveLength(2);
    } finally {
      ws.terminate();
    }
  });

  it('messenger: mails offline chat members a digest, at most one an hour', async () => {
    const alice = await signup(agora);
    const bob = await signup(agora);
    const carol = await signup(agora);
    const { chatId, memberId } = await chatWith(agora, alice);
    for (const c of [bob, carol])
      await messenger(agora, 'POST', `/v1/chats/${chatId}/users`, { client: c, body: { user_name: c.name } });
    const account = async (name: string) => (await agora.identity.service.getUserByUsername(name))!;
    const [bobUser, carolUser] = [await account(bob.name), await account(carol.name)];
    for (const u of [bobUser, carolUser])
      await agora.identity.service.updateProfile(u.id, { email: `${u.username}@example.test` });
    // Carol has a socket open: she is online and gets no digest.
    const { port } = agora.app.server.address() as { port: number };
    const { accessToken: access } = await agora.identity.service.issueTokens(carolUser);
    const ws = new WebSocket(`ws://127.0.0.1:${port}${N}/ws?token=${access}`);
    const frames: { type?: string }[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as { type?: string }));
    try {
      await eventually(() => frames.some((f) => f.type === 'ready'), 5000, 'ready');
      await post(agora, alice, chatId, memberId, 'one');
      await post(agora, alice, chatId, memberId, 'two');
      const bobMail = `${bobUser.username}@example.test`;
      // Both messages counted before the digest goes out (it goes as soon as one is pending).
      const pending = async () => {
        const res = await agora.ctx.database.db.execute(
          sql`select pending from notifications.digests where user_id = ${bobUser.id}`,
        );
        return Number((res as unknown as { rows: { pending: number }[] }).rows[0]?.pending ?? 0);
      };
      await eventually(async () => (await pending()) === 2, 15_000, 'two pending messages');
      await eventually(
        async () => {
          await task('notifications.digest').run();
          await dispatch(agora);
          return (await mailTo(bobMail)).length === 1;
        },
        15_000,
        'the digest',
      );
      const [digest] = await mailTo(bobMail);
      expect(digest!.subject).toBe('You have 2 new messages in Agora');
      await post(agora, alice, chatId, memberId, 'three');
      await sleep(1000);
      await task('notifications.digest').run();
      await dispatch(agora);
      await sleep(1000);
      expect(await mailTo(bobMail)).toHaveLength(1);
      clock.shift(3600_000 + 1000);
      await eventually(
        async () => {
          await task('notifications.digest').run();
          await dispatch(agora);
          return (await mailTo(bobMail)).length === 2;
        },
        15_000,
        'the next hour’s digest',
      );
      expect((await mailTo(bobMail))[0]!.subject).toBe('You have 1 new message in Agora');
      // (Carol's token from another client did earn her a new-device email; no digest.)
      const carolMail = await mailTo(`${carolUser.username}@example.test`);
      expect(carolMail.filter((m) => /new message/.test(m.subject))).toEqual([]);
    } finally {
      ws.terminate();
    }
  });
});
