import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { registerAndLogin, type TestUser } from '../helpers/identity.js';
import { eventually } from '../jobs/helpers.js';
import { call, dispatch, manager, now, transport } from './helpers.js';

describe('notifications API', () => {
  let agora: Agora;
  let boss: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    agora = await testApp({ ...transport(), JOBS_POLL_INTERVAL: '50ms', JOBS_RETRY_BASE: '1' });
    boss = await manager(agora);
    alice = await registerAndLogin(agora);
    bob = await registerAndLogin(agora);
    stop = agora.startWorkers();
  });
  afterAll(async () => {
    await stop();
    await agora.app.close();
  });

  describe('templates', () => {
    it('creates, reads, lists, changes and deletes a template', async () => {
      const made = await call(agora, 'POST', '/templates/', boss, { subject: 'Hi {{ username }}', body: '<p>x</p>' });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ id: expect.any(String), subject: 'Hi {{ username }}', body: '<p>x</p>' });
      const id = made.body.id as string;
      expect((await call(agora, 'GET', `/templates/${id}`, boss)).body.subject).toBe('Hi {{ username }}');
      const list = await call(agora, 'GET', '/templates/', boss);
      expect(list.body.map((t: { id: string }) => t.id)).toContain(id);
      const put = await call(agora, 'PUT', `/templates/${id}`, boss, { body: '{% if first_name %}Hey{% endif %}' });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ subject: 'Hi {{ username }}', body: '{% if first_name %}Hey{% endif %}' });
      expect((await call(agora, 'DELETE', `/templates/${id}`, boss)).status).toBe(204);
      expect((await call(agora, 'GET', `/templates/${id}`, boss)).status).toBe(404);
      expect((await call(agora, 'PUT', `/templates/${id}`, boss, { subject: 'x' })).status).toBe(404);
      expect((await call(agora, 'DELETE', `/templates/${id}`, boss)).status).toBe(404);
    });

    it('refuses a template that does not parse with the parser’s message', async () => {
      const bad = await call(agora, 'POST', '/templates/', boss, { subject: 'ok', body: '{% if x %}never closed' });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toMatch(/^body: tag .*if.* not closed/i);
      const badOutput = await call(agora, 'POST', '/templates/', boss, { subject: 'Hi {{ user', body: 'b' });
      expect(badOutput.status).toBe(400);
      expect(badOutput.body.detail).toMatch(/^subject: output .* not closed/i);
      const made = await call(agora, 'POST', '/templates/', boss, { subject: 's', body: 'b' });
      const put = await call(agora, 'PUT', `/templates/${made.body.id}`, boss, { body: '{% endfor %}' });
      expect(put.status).toBe(400);
      expect(put.body.detail).toMatch(/^body: /);
    });

    it('needs notifications.manage to author', async () => {
      expect((await call(agora, 'GET', '/templates/')).status).toBe(401);
      expect((await call(agora, 'POST', '/templates/', undefined, { subject: 's', body: 'b' })).status).toBe(401);
      const denied = await call(agora, 'POST', '/templates/', alice, { subject: 's', body: 'b' });
      expect(denied.status).toBe(403);
      expect(denied.body.detail).toMatch(/notifications\.manage/);
      expect((await call(agora, 'GET', '/templates/', alice)).status).toBe(403);
      expect(
        (await call(agora, 'POST', '/notify', alice, { subject: 's', body: 'b', schedule: now, distribution: {} }))
          .status,
      ).toBe(404);
      expect(
        (
          await call(agora, 'POST', '/notifications/notify', alice, {
            subject: 's',
            body: 'b',
            schedule: now,
            distribution: { users: [alice.id] },
          })
        ).status,
      ).toBe(403);
    });
  });

  describe('schedules', () => {
    const notify = (body: Record<string, unknown>) =>
      call(agora, 'POST', '/notifications/notify', boss, {
        subject: 'Hello {{ username }}',
        body: '<p>Hi {{ first_name }}</p>',
        distribution: { users: [alice.id] },
        ...body,
      });

    it('sends an immediate notification and records it in the history', async () => {
      const before = Date.now();
      const res = await notify({ schedule: { channel: 'email', next_send: null, schedule: null } });
      expect(res.status).toBe(201);
      expect(new Date(res.body.next_send).getTime()).toBeGreaterThanOrEqual(before - 1000);
      await dispatch(agora);
      await eventually(
        async () => (await call(agora, 'GET', `/notifications/${res.body.id}`, boss)).body.deliveries.sent === 1,
      );
      const state = await call(agora, 'GET', `/notifications/${res.body.id}`, boss);
      expect(state.body).toMatchObject({ status: 'completed', occurrences: 1, schedule: { channel: 'email' } });
      expect(state.body.deliveries).toMatchObject({ sent: 1, total: 1, dead: 0 });
      const history = await call(agora, 'GET', `/notifications/notify/list/${alice.id}`, alice);
      expect(history.body[0]).toMatchObject({
        notification_id: res.body.id,
        user: alice.id,
        channel: 'email',
        subject: `Hello ${alice.username}`,
        status: 'sent',
        attempts: 1,
      });
    });

    it('schedules a send at a given time', async () => {
      const at = new Date(Date.now() + 3600_000).toISOString();
      const res = await notify({ schedule: { channel: 'websocket', next_send: at } });
      expect(res.status).toBe(201);
      expect(res.body.next_send).toBe(at);
      await dispatch(agora);
      const state = await call(agora, 'GET', `/notifications/${res.body.id}`, boss);
      expect(state.body).toMatchObject({ status: 'active', occurrences: 0, schedule: { next_send: at } });
      expect(state.body.deliveries.total).toBe(0);
    });

    it('reads a next_send without an offset as UTC, as the seed’s naive datetimes; refuses a day that does not exist', async () => {
      const year = new Date().getUTCFullYear() + 2;
      for (const [given, expected] of [
        [`${year}-01-01T10:00:00`, `${year}-01-01T10:00:00.000Z`],
        [`${year}-01-01 10:00`, `${year}-01-01T10:00:00.000Z`],
        [`${year}-01-01T10:00:00.123456`, `${year}-01-01T10:00:00.123Z`],
        [`${year}-01-01T10:00:00+03:00`, `${year}-01-01T07:00:00.000Z`],
        [`${year}-01-01T10:00+03`, `${year}-01-01T07:00:00.000Z`],
      ]) {
        const res = await notify({ schedule: { channel: 'websocket', next_send: given } });
        expect(res.status, given).toBe(201);
        expect(res.body.next_send, given).toBe(expected);
      }
      for (const given of [
        `${year}-02-30T10:00:00`,
        `${year}-13-01T10:00`,
        `${year}-01-01T25:00`,
        'tomorrow',
        `${year}-01-01`,
      ]) {
        const res = await notify({ schedule: { channel: 'websocket', next_send: given } });
        expect(res.status, given).toBe(400);
        expect(res.body.detail, given).toMatch(/next_send/);
      }
    });

    it('schedules a recurring send on a 5-field cron and refuses one below the minimum interval', async () => {
      const res = await notify({ schedule: { channel: 'email', schedule: '0 9 * * 1' } });
      expect(res.status).toBe(201);
      const next = new Date(res.body.next_send);
      expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([1, 9, 0]);
      const state = await call(agora, 'GET', `/notifications/${res.body.id}`, boss);
      expect(state.body.schedule.schedule).toBe('0 9 * * 1');
      const often = await notify({ schedule: { channel: 'email', schedule: '*/2 * * * *' } });
      expect(often.status).toBe(400);
      expect(often.body.detail).toMatch(/more often than every 300 seconds/);
      const burst = await notify({ schedule: { channel: 'email', schedule: '0,1 * * * *' } });
      expect(burst.status).toBe(400);
      const sixFields = await notify({ schedule: { channel: 'email', schedule: '0 0 9 * * 1' } });
      expect(sixFields.status).toBe(400);
      expect(sixFields.body.detail).toMatch(/5 fields/);
      const junk = await notify({ schedule: { channel: 'email', schedule: '99 * * * *' } });
      expect(junk.status).toBe(400);
    });

    it('refuses an unknown channel, an empty or unknown distribution', async () => {
      for (const channel of ['sms', 'push']) {
        const res = await notify({ schedule: { channel } });
        expect(res.status).toBe(400);
        expect(res.body.detail).toMatch(/channel/);
      }
      expect((await notify({ schedule: now, distribution: {} })).status).toBe(400);
      const ghost = await notify({ schedule: now, distribution: { users: ['00000000-0000-4000-8000-000000000000'] } });
      expect(ghost.status).toBe(400);
      expect(ghost.body.detail).toMatch(/unknown users/);
      expect((await notify({ schedule: now, distribution: { roles: ['no-such-role'] } })).status).toBe(400);
    });

    it('cancels future sends', async () => {
      const res = await notify({ schedule: { channel: 'email', schedule: '0 9 * * *' } });
      expect((await call(agora, 'DELETE', `/notifications/${res.body.id}`, boss)).status).toBe(204);
      const state = await call(agora, 'GET', `/notifications/${res.body.id}`, boss);
      expect(state.body).toMatchObject({ status: 'cancelled', schedule: { next_send: null } });
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await call(agora, 'DELETE', `/notifications/${unknown}`, boss)).status).toBe(404);
      expect((await call(agora, 'GET', `/notifications/${unknown}`, boss)).status).toBe(404);
      expect((await call(agora, 'DELETE', `/notifications/${res.body.id}`, alice)).status).toBe(403);
    });

    it('refuses templates that would read files, call an unknown filter or exceed the render limits', async () => {
      for (const body of ['{% include "package.json" %}', "{% render 'README.md' %}", '{% layout "package.json" %}x']) {
        const res = await call(agora, 'POST', '/templates/', boss, { subject: 's', body });
        expect(res.status, body).toBe(400);
        expect(res.body.detail, body).toMatch(/^body: .*is not available: a template cannot read files/);
        expect(JSON.stringify(res.body), body).not.toContain(process.cwd());
      }
      const filter = await call(agora, 'POST', '/templates/', boss, { subject: '{{ x | nosuchfilter }}', body: 'b' });
      expect(filter.status).toBe(400);
      expect(filter.body.detail).toMatch(/^subject: .*nosuchfilter/);
      const before = (await call(agora, 'GET', `/notifications/notify/list/${alice.id}?limit=100`, alice)).body.length;
      const started = Date.now();
      for (const body of [
        '{% for i in (1..100000000) %}x{% endfor %}',
        '{% for i in (1..900) %}{% for j in (1..900) %}xx{% endfor %}{% endfor %}',
      ]) {
        const res = await call(agora, 'POST', '/notifications/notify', boss, {
          subject: 'loop',
          body,
          schedule: now,
          distribution: { users: [alice.id] },
        });
        expect(res.status, body).toBe(400);
        expect(res.body.detail, body).toMatch(/^body: .*limit exceeded/);
      }
      // A template that is fine on its own, but not with this send's context.
      const t = await call(agora, 'POST', '/templates/', boss, {
        subject: 's',
        body: '{% for i in (1..n) %}{{ i }}{% endfor %}',
      });
      expect(t.status).toBe(201);
      const withContext = await call(agora, 'POST', `/notifications/notify/${t.body.id}`, boss, {
        schedule: now,
        distribution: { users: [alice.id] },
        context: { n: 50_000_000 },
      });
      expect(withContext.status).toBe(400);
      expect(withContext.body.detail).toMatch(/^body: .*limit exceeded/);
      expect(Date.now() - started).toBeLessThan(5_000);
      await dispatch(agora);
      expect((await call(agora, 'GET', `/notifications/notify/list/${alice.id}?limit=100`, alice)).body).toHaveLength(
        before,
      );
    });

    it('notifies from a template with a context, rendering per recipient and escaping HTML', async () => {
      const t = await call(agora, 'POST', '/templates/', boss, {
        subject: '{{ film }} for {{ username }}',
        body: '<p>{{ film }} — {{ username }}</p>',
      });
      const res = await call(agora, 'POST', `/notifications/notify/${t.body.id}`, boss, {
        schedule: now,
        distribution: { users: [alice.id, bob.id] },
        context: { film: '<b>Alien</b>' },
      });
      expect(res.status).toBe(201);
      await dispatch(agora);
      await eventually(
        async () => (await call(agora, 'GET', `/notifications/${res.body.id}`, boss)).body.deliveries.sent === 2,
      );
      const [mine] = (await call(agora, 'GET', `/notifications/notify/list/${bob.id}?limit=1`, bob)).body;
      expect(mine.subject).toBe(`<b>Alien</b> for ${bob.username}`);
      expect(mine.body).toBe(`<p>&lt;b&gt;Alien&lt;/b&gt; — ${bob.username}</p>`);
      const mail = await call(agora, 'GET', `/notifications/mail?to=${encodeURIComponent(bob.email)}`, boss);
      expect(mail.body[0]).toMatchObject({
        to: bob.email,
        html: `<p>&lt;b&gt;Alien&lt;/b&gt; — ${bob.username}</p>`,
        text: `<b>Alien</b> — ${bob.username}`,
      });
      const unknown = '00000000-0000-4000-8000-000000000000';
      const missing = await call(agora, 'POST', `/notifications/notify/${unknown}`, boss, {
        schedule: now,
        distribution: { users: [alice.id] },
      });
      expect(missing.status).toBe(404);
    });
  });

  describe('history', () => {
    it('lists a user’s notifications newest first, limited, to themselves or a manager only', async () => {
      const carol = await registerAndLogin(agora);
      for (const i of [1, 2, 3]) {
        await call(agora, 'POST', '/notifications/notify', boss, {
          subject: `n${i}`,
          body: 'b',
          schedule: { channel: 'websocket' },
          distribution: { users: [carol.id] },
        });
        await dispatch(agora);
      }
      // The worker's scheduler may hold an occurrence when dispatch() looks: wait for all three rows.
      const list = () => call(agora, 'GET', `/notifications/notify/list/${carol.id}`, carol);
      await eventually(async () => (await list()).body.length === 3);
      const all = await list();
      expect(all.body.map((h: { subject: string }) => h.subject)).toEqual(['n3', 'n2', 'n1']);
      const two = await call(agora, 'GET', `/notifications/notify/list/${carol.id}?limit=2`, carol);
      expect(two.body).toHaveLength(2);
      expect((await call(agora, 'GET', `/notifications/notify/list/${carol.id}`, boss)).body).toHaveLength(3);
      expect((await call(agora, 'GET', `/notifications/notify/list/${carol.id}`, alice)).status).toBe(404);
      const nobody = '00000000-0000-4000-8000-000000000000';
      expect((await call(agora, 'GET', `/notifications/notify/list/${nobody}`, boss)).status).toBe(404);
      expect((await call(agora, 'GET', `/notifications/notify/list/${carol.id}`)).status).toBe(401);
      expect((await call(agora, 'GET', `/notifications/notify/list/${carol.id}?limit=0`, carol)).status).toBe(400);
    });
  });
});
