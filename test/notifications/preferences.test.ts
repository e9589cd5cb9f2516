import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import { testApp } from '../helpers/app.js';
import { registerAndLogin, type TestUser } from '../helpers/identity.js';
import { eventually, sleep } from '../jobs/helpers.js';
import { call, dispatch, manager, transport } from './helpers.js';

function fakeClock(start: string): Clock & { set(iso: string): void } {
  let t = new Date(start).getTime();
  return { ...systemClock, now: () => new Date(t), set: (iso) => (t = new Date(iso).getTime()) };
}

describe('notifications: preferences and quiet hours', () => {
  // 00:00 in Berlin (CET, UTC+1) on the night (27–28 March 2027) the clocks go forward to CEST (UTC+2) at 02:00.
  const clock = fakeClock('2027-03-27T23:00:00Z');
  let agora: Agora;
  let boss: TestUser;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    agora = await testApp({ ...transport(), JOBS_POLL_INTERVAL: '50ms' }, { clock });
    boss = await manager(agora);
    stop = agora.startWorkers();
  });
  afterAll(async () => {
    await stop();
    await agora.app.close();
  });

  const notify = async (user: TestUser, extra: Record<string, unknown> = {}) => {
    const res = await call(agora, 'POST', '/notifications/notify', boss, {
      subject: 'Good morning',
      body: 'b',
      schedule: { channel: 'email' },
      distribution: { users: [user.id] },
      ...extra,
    });
    expect(res.status).toBe(201);
    await dispatch(agora);
    return res.body.id as string;
  };
  let last: unknown;
  const latest = async (user: TestUser) =>
    (last = (await call(agora, 'GET', `/notifications/notify/list/${user.id}?limit=1`, user)).body[0]) as {
      status: string;
      last_error: string | null;
    };
  const until = (user: TestUser, status: string, what: string) =>
    eventually(async () => (await latest(user))?.status === status, 10_000, what).catch((err: Error) => {
      throw new Error(`${err.message}; last row: ${JSON.stringify(last)}`);
    });

  it('reads and sets the caller’s preferences, refusing bad values', async () => {
    const user = await registerAndLogin(agora);
    expect((await call(agora, 'GET', '/notifications/preferences', user)).body).toEqual({
      time_zone: 'UTC',
      quiet_start: null,
      quiet_end: null,
      channels_off: [],
    });
    const set = await call(agora, 'PUT', '/notifications/preferences', user, {
      time_zone: 'Asia/Tokyo',
      quiet_start: '23:30',
      quiet_end: '06:15',
      channels_off: ['websocket'],
    });
    expect(set.status).toBe(200);
    expect((await call(agora, 'GET', '/notifications/preferences', user)).body).toEqual({
      time_zone: 'Asia/Tokyo',
      quiet_start: '23:30',
      quiet_end: '06:15',
      channels_off: ['websocket'],
    });
    const bad = [
      { time_zone: 'Mars/Olympus' },
      { quiet_start: '25:00' },
      { quiet_start: '22:00', quiet_end: null },
      { channels_off: ['sms'] },
    ];
    for (const body of bad)
      expect((await call(agora, 'PUT', '/notifications/preferences', user, body)).status).toBe(400);
    expect((await call(agora, 'GET', '/notifications/preferences')).status).toBe(401);
  });

  it('defers a send due inside the quiet window to its end in the user’s time zone, across a DST change', async () => {
    const user = await registerAndLogin(agora);
    await call(agora, 'PUT', '/notifications/preferences', user, {
      time_zone: 'Europe/Berlin',
      quiet_start: '22:00',
      quiet_end: '07:00',
    });
    const id = await notify(user);
    // 07:00 CEST on 28 March 2027 is 05:00 UTC (it would be 06:00 UTC without the change).
    expect(await latest(user)).toMatchObject({ status: 'deferred', deliver_after: '2027-03-28T05:00:00.000Z' });
    clock.set('2027-03-28T04:59:00Z');
    await sleep(700);
    expect((await latest(user)).status).toBe('deferred');
    clock.set('2027-03-28T05:00:01Z');
    await until(user, 'sent', 'the deferred send');
    const state = await call(agora, 'GET', `/notifications/${id}`, boss);
    expect(state.body.deliveries).toMatchObject({ sent: 1, deferred: 0 });
    clock.set('2027-03-27T23:00:00Z');
  });

  it('sends an urgent notification inside the window, and skips a channel the user turned off', async () => {
    const user = await registerAndLogin(agora);
    await call(agora, 'PUT', '/notifications/preferences', user, {
      time_zone: 'Europe/Berlin',
      quiet_start: '22:00',
      quiet_end: '07:00',
    });
    await notify(user, { urgent: true });
    await until(user, 'sent', 'the urgent send');
    await call(agora, 'PUT', '/notifications/preferences', user, { channels_off: ['email'] });
    clock.set('2027-03-27T23:00:05Z');
    await notify(user, { urgent: true });
    await until(user, 'skipped', 'the second row');
    const row = await latest(user);
    expect(row).toMatchObject({ status: 'skipped', attempts: 0 });
    expect(row.last_error).toMatch(/turned off/);
  });
});
