import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { PanelClient, panelUser } from '../admin/helpers.js';
import { testApp } from '../helpers/app.js';
import { registerAndLogin, type TestUser } from '../helpers/identity.js';
import { eventually } from '../jobs/helpers.js';
import { call, dispatch, manager, now, transport } from './helpers.js';
import { smtpServer } from './smtp.js';

describe('notifications: email through a real SMTP server', () => {
  let agora: Agora;
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  let boss: TestUser;
  let stop: () => Promise<void>;
  /** Per recipient address: the SMTP codes to answer, one per attempt (then accept). */
  const script = new Map<string, number[]>();
  const tries = new Map<string, number>();

  beforeAll(async () => {
    smtp = await smtpServer((m) => {
      const to = m.to[0]!;
      const n = (tries.get(to) ?? 0) + 1;
      tries.set(to, n);
      return script.get(to)?.[n - 1];
    });
    agora = await testApp({
      ...transport(),
      SMTP_URL: smtp.url,
      JOBS_POLL_INTERVAL: '50ms',
      JOBS_RETRY_BASE: '200ms',
      NOTIFICATIONS_MAX_ATTEMPTS: '3',
    });
    boss = await manager(agora);
    stop = agora.startWorkers();
  });
  afterAll(async () => {
    await stop();
    await agora.app.close();
    await smtp.close();
  });

  const send = async (
    user: TestUser,
    subject = 'Your ticket',
    body = '<p>Hello {{ first_name }} {{ username }}</p>',
  ) => {
    const res = await call(agora, 'POST', '/notifications/notify', boss, {
      subject,
      body,
      schedule: now,
      distribution: { users: [user.id] },
    });
    expect(res.status).toBe(201);
    await dispatch(agora);
    return res.body.id as string;
  };
  const history = async (user: TestUser) =>
    (await call(agora, 'GET', `/notifications/notify/list/${user.id}`, user)).body[0];
  const received = (user: TestUser) => smtp.messages.filter((m) => m.to.includes(user.email));

  it('delivers a message with the subject, the rendered HTML and a plain-text part', async () => {
    const user = await registerAndLogin(agora);
    await send(user);
    await eventually(() => received(user).length === 1, 15_000, 'the message');
    const [m] = received(user);
    expect(m!.subject).toBe('Your ticket');
    expect(m!.raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(m!.raw).toMatch(/Content-Type: text\/plain[\s\S]*Hello  ?\S*/i);
    expect(m!.raw).toContain(`<p>Hello  ${user.username}</p>`);
    expect(m!.raw).toMatch(/Content-Type: text\/html/i);
    expect(m!.raw).toMatch(new RegExp(`text/plain[^]*\\r?\\n\\r?\\nHello  ${user.username}\\r?\\n`, 'i'));
    const row = await history(user);
    expect(m!.delivery).toBe(row.id);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, last_error: null });
    // Nothing was captured instead: SMTP_URL is set.
    expect((await call(agora, 'GET', `/notifications/mail?to=${encodeURIComponent(user.email)}`, boss)).body).toEqual(
      [],
    );
  });

  it('retries a temporary refusal (4xx) with backoff and delivers once', async () => {
    const user = await registerAndLogin(agora);
    script.set(user.email, [451]);
    const id = await send(user);
    await eventually(async () => (await history(user))?.status === 'failed', 10_000, 'the failed attempt');
    expect((await history(user)).last_error).toMatch(/451/);
    await eventually(async () => (await history(user))?.status === 'sent', 15_000, 'the retry');
    await new Promise((r) => setTimeout(r, 500));
    expect(received(user)).toHaveLength(1);
    expect(tries.get(user.email)).toBe(2);
    expect(await history(user)).toMatchObject({ status: 'sent', attempts: 2 });
    const state = await call(agora, 'GET', `/notifications/${id}`, boss);
    expect(state.body.deliveries).toMatchObject({ sent: 1, failed: 0, dead: 0 });
  });

  it('gives a permanent refusal (5xx) up at once: dead, visible in the API', async () => {
    const user = await registerAndLogin(agora);
    script.set(user.email, [550, 550, 550]);
    const id = await send(user);
    await eventually(async () => (await history(user))?.status === 'dead', 10_000, 'the dead delivery');
    await new Promise((r) => setTimeout(r, 700));
    expect(tries.get(user.email)).toBe(1);
    expect(received(user)).toHaveLength(0);
    const dead = await call(agora, 'GET', `/notifications/${id}/deliveries?status=dead`, boss);
    expect(dead.body).toHaveLength(1);
    expect(dead.body[0]).toMatchObject({ user: user.id, status: 'dead', attempts: 1 });
    expect(dead.body[0].last_error).toMatch(/550/);
    expect((await call(agora, 'GET', `/notifications/${id}`, boss)).body.deliveries).toMatchObject({ dead: 1 });
  });

  it('ends in the dead state after the last of repeated temporary refusals', async () => {
    const user = await registerAndLogin(agora);
    script.set(user.email, [421, 421, 421, 421]);
    const id = await send(user);
    await eventually(async () => (await history(user))?.status === 'dead', 20_000, 'the dead delivery');
    expect(tries.get(user.email)).toBe(3);
    expect(await history(user)).toMatchObject({ status: 'dead', attempts: 3 });
    expect((await call(agora, 'GET', `/notifications/${id}`, boss)).body.deliveries).toMatchObject({
      dead: 1,
      sent: 0,
    });
  });

  it('a dead delivery is sent again from the panel, once, as a new attempt of the same message', async () => {
    const user = await registerAndLogin(agora);
    script.set(user.email, [550]); // refused once (the cause, then fixed), accepted after
    const id = await send(user);
    await eventually(async () => (await history(user))?.status === 'dead', 10_000, 'the dead delivery');
    const delivery = (await history(user)).id as string;
    const staff = await panelUser(agora, { permissions: ['admin.notifications'] });
    const panel = new PanelClient(agora);
    await panel.signIn(staff.username, staff.password);
    const record = `/admin/notifications/deliveries/${delivery}`;
    expect((await panel.get(record)).body).toContain(`${record}/actions/redeliver`);
    const ask = await panel.post(`${record}/actions/redeliver`);
    expect(ask.statusCode).toBe(200); // the confirmation page; nothing sent yet
    expect(ask.body).toContain('Send this message again?');
    expect(await history(user)).toMatchObject({ status: 'dead' });
    // Two confirmations at once (a double click): one queues it, the other is refused.
    const answers = await Promise.all(
      [1, 2].map(() => panel.post(`${record}/actions/redeliver`, { confirmed: 'yes' })),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes[0]).toBe(303);
    expect([404, 409]).toContain(codes[1]);
    await eventually(async () => (await history(user))?.status === 'sent', 15_000, 'the new attempt');
    await new Promise((r) => setTimeout(r, 500));
    expect(received(user)).toHaveLength(1);
    expect(received(user)[0]!.delivery).toBe(delivery);
    expect(received(user)[0]!.subject).toBe('Your ticket');
    expect(await history(user)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect((await call(agora, 'GET', `/notifications/${id}`, boss)).body.deliveries).toMatchObject({
      sent: 1,
      dead: 0,
    });
    // Sent: the action is gone from the page, and a late post does not apply.
    expect((await panel.get(record)).body).not.toContain('/actions/redeliver');
    expect((await panel.post(`${record}/actions/redeliver`, { confirmed: 'yes' })).statusCode).toBe(404);
    expect((await panel.get(`/admin/admin/audit?f_action=redeliver`)).statusCode).toBe(403); // staff of notifications only
  });
});
