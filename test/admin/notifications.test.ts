import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import type { TestUser } from '../helpers/identity.js';
import { eventually } from '../jobs/helpers.js';
import { call, dispatch, manager, transport, users } from '../notifications/helpers.js';
import { PanelClient, panelUser } from './helpers.js';

const P = '/admin/notifications';
const MISSING = '00000000-0000-4000-8000-000000000000';
const idFrom = (location: unknown) => decodeURIComponent(/\/([^/]+)$/.exec(String(location))![1]!);
const rowsOf = (html: string, resource: string) =>
  [...html.matchAll(new RegExp(`<td data-label="[^"]*"><a href="${P}/${resource}/([^"]+)">`, 'g'))].map((m) => m[1]!);
const notifyForm = (extra: Record<string, string> = {}) => ({
  subject: 'Hello {{ username }}',
  body: '<p>Dear {{ first_name }}, the {{ show }} starts soon.</p>',
  channel: 'email',
  nextSend: '',
  cron: '',
  users: '',
  roles: '',
  context: '{"show": "matinee"}',
  ...extra,
});

describe('admin panel over notifications: templates, sends, delivery history and captured mail', () => {
  let agora: Agora;
  let browser: PanelClient;
  let auditor: PanelClient;
  let boss: TestUser;
  let stop: () => Promise<void>;
  const audited = async (filter: string) => (await auditor.get(`/admin/admin/audit?${filter}`)).body;

  beforeAll(async () => {
    agora = await testApp({ ...transport(), JOBS_POLL_INTERVAL: '50ms' });
    const staff = await panelUser(agora, { permissions: ['admin.notifications'] });
    browser = new PanelClient(agora);
    await browser.signIn(staff.username, staff.password);
    const su = await panelUser(agora, { superuser: true });
    auditor = new PanelClient(agora, '10.9.8.5');
    await auditor.signIn(su.username, su.password);
    boss = await manager(agora);
    stop = agora.startWorkers();
  });
  afterAll(async () => {
    await stop?.();
    await agora?.app.close();
  });

  it('creates, edits and deletes a template; a Liquid syntax error shows beside its field', async () => {
    await browser.get(`${P}/templates/add`);
    const bad = await browser.post(`${P}/templates/add`, { subject: 'Hi', body: '{% if x %}never closed' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/<p class="field-error" id="e-body">[^<]*if[^<]*<\/p>/);
    const subject = unique('Welcome ');
    const made = await browser.post(`${P}/templates/add`, { subject, body: 'Hello {{ username }}' });
    expect(made.statusCode).toBe(303);
    const id = idFrom(made.headers.location);
    expect((await call(agora, 'GET', `/templates/${id}`, boss)).body).toMatchObject({ subject });
    expect(rowsOf((await browser.get(`${P}/templates?q=${encodeURIComponent(subject)}`)).body, 'templates')).toEqual([
      id,
    ]);
    const badSubject = await browser.post(`${P}/templates/${id}`, { subject: '{{ oops', body: 'x' });
    expect(badSubject.statusCode).toBe(422);
    expect(badSubject.body).toMatch(/id="e-subject">/);
    expect((await browser.post(`${P}/templates/${id}`, { subject: 'Renamed', body: 'Hi' })).statusCode).toBe(303);
    expect((await call(agora, 'GET', `/templates/${id}`, boss)).body).toMatchObject({ subject: 'Renamed', body: 'Hi' });
    expect(await audited(`f_resource=notifications.templates&f_action=update`)).toContain(
      `subject: ${subject} → Renamed`,
    );
    expect((await browser.post(`${P}/templates/${id}/delete`, { confirmed: 'yes' })).statusCode).toBe(303);
    expect((await call(agora, 'GET', `/templates/${id}`, boss)).status).toBe(404);
    expect(await audited(`f_resource=notifications.templates&f_action=delete`)).toContain(id);
  });

  it('refuses a send with the service’s reasons beside the fields', async () => {
    const [u] = await users(agora, 1);
    await browser.get(`${P}/notifications/add`);
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ users: u!.id, cron: '* * *' }, 'cron', /a cron expression has 5 fields, got 3/],
      [{ users: u!.id, cron: '* * * * *' }, 'cron', /runs more often than every/],
      [{ users: MISSING }, 'users', new RegExp(`unknown users: ${MISSING}`)],
      [{ users: 'not-an-id' }, 'users', /Not a user id: not-an-id/],
      [{ roles: unique('nobody') }, 'roles', /unknown roles/],
      [{}, 'users', /name users, roles, or all/],
      [{ users: u!.id, context: '[1, 2]' }, 'context', /Enter a JSON object\./],
      [{ users: u!.id, context: '{nope' }, 'context', /Enter valid JSON\./],
      [{ users: u!.id, body: '{{ unclosed' }, 'body', /./],
    ];
    for (const [extra, field, message] of cases) {
      const res = await browser.post(`${P}/notifications/add`, notifyForm(extra));
      expect(res.statusCode, JSON.stringify(extra)).toBe(422);
      expect(res.body).toMatch(new RegExp(`id="e-${field}">`));
      expect(/id="e-\w+">([^<]*)</.exec(res.body)?.[1]).toMatch(message);
    }
  });

  it('sends now to users; deliveries and the captured mail show in the panel, rendered per recipient', async () => {
    const people = await users(agora, 2, 'adm');
    const made = await browser.post(
      `${P}/notifications/add`,
      notifyForm({ users: people.map((p) => p.id).join('\n') }),
    );
    expect(made.statusCode).toBe(303);
    const id = idFrom(made.headers.location);
    await dispatch(agora);
    await eventually(
      async () => (await call(agora, 'GET', `/notifications/${id}`, boss)).body.deliveries.sent === 2,
      15_000,
      'two sent deliveries',
    );
    const state = (await call(agora, 'GET', `/notifications/${id}`, boss)).body;
    expect(state).toMatchObject({ subject: 'Hello {{ username }}', status: 'completed', context: { show: 'matinee' } });

    const page = await browser.get(`${P}/notifications/${id}`);
    expect(page.body).toMatch(/<h2 id="i-1">Latest deliveries<\/h2>/);
    expect(page.body).not.toContain('/actions/cancel'); // completed: nothing to cancel

    const sent = await browser.get(`${P}/deliveries?q=${id}&f_status=sent&f_channel=email`);
    const deliveryIds = rowsOf(sent.body, 'deliveries');
    expect(deliveryIds).toHaveLength(2);
    expect(rowsOf((await browser.get(`${P}/deliveries?q=${id}&f_status=dead`)).body, 'deliveries')).toEqual([]);
    const delivery = await browser.get(`${P}/deliveries/${deliveryIds[0]}`);
    expect(delivery.body).toMatch(new RegExp(`Hello (${people.map((p) => p.username).join('|')})`));
    expect(delivery.body).not.toContain('<button type="submit">Save</button>');

    const mail = await browser.get(`${P}/mail?q=${encodeURIComponent(people[0]!.email)}`);
    const [mailId] = rowsOf(mail.body, 'mail');
    expect(mailId).toBeDefined();
    const letter = await browser.get(`${P}/mail/${mailId}`);
    expect(letter.body).toContain(`Hello ${people[0]!.username}`);
    expect(letter.body).toContain('the matinee starts soon.');
    expect(await audited(`f_resource=notifications.notifications&f_action=create`)).toContain(id);
  });

  it('cancels a scheduled send after confirmation; the API shows it cancelled', async () => {
    const [u] = await users(agora, 1);
    const made = await browser.post(
      `${P}/notifications/add`,
      notifyForm({ users: u!.id, nextSend: '2099-01-01T10:00', channel: 'websocket', urgent: 'on' }),
    );
    expect(made.statusCode).toBe(303);
    const id = idFrom(made.headers.location);
    expect((await call(agora, 'GET', `/notifications/${id}`, boss)).body).toMatchObject({
      status: 'active',
      urgent: true,
      schedule: { channel: 'websocket', next_send: '2099-01-01T10:00:00.000Z' },
    });
    const listed = await browser.get(`${P}/notifications?f_status=active&f_channel=websocket`);
    expect(rowsOf(listed.body, 'notifications')).toContain(id);
    const ask = await browser.post(`${P}/notifications/${id}/actions/cancel`);
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('Cancel this notification?');
    expect((await browser.post(`${P}/notifications/${id}/actions/cancel`, { confirmed: 'yes' })).statusCode).toBe(303);
    expect((await call(agora, 'GET', `/notifications/${id}`, boss)).body).toMatchObject({ status: 'cancelled' });
    expect((await browser.post(`${P}/notifications/${id}/actions/cancel`, { confirmed: 'yes' })).statusCode).toBe(404);
    expect(await audited(`f_resource=notifications.notifications&f_action=cancel`)).toContain('active → cancelled');
    expect(rowsOf((await browser.get(`${P}/notifications?f_status=active`)).body, 'notifications')).not.toContain(id);
  });

  it('answers 404 for unknown ids and absent pages, refuses posts without the form token', async () => {
    for (const url of [
      `${P}/templates/${MISSING}`,
      `${P}/templates/nope`,
      `${P}/notifications/${MISSING}`,
      `${P}/deliveries/${MISSING}`,
      `${P}/deliveries/add`,
      `${P}/mail/${MISSING}`,
      `${P}/mail/add`,
    ])
      expect((await browser.get(url)).statusCode, url).toBe(404);
    expect((await browser.post(`${P}/notifications/${MISSING}/delete`, { confirmed: 'yes' })).statusCode).toBe(404);
    const forged = await browser.post(`${P}/templates/add`, { subject: 'Forged', body: 'x' }, { csrf: false });
    expect(forged.statusCode).toBe(403);
    const list = (await call(agora, 'GET', '/templates/?limit=500', boss)).body as { subject: string }[];
    expect(list.map((t) => t.subject)).not.toContain('Forged');
  });

  it('keeps notifications-only staff out of other modules', async () => {
    expect((await browser.get('/admin/cinema/films')).statusCode).toBe(403);
    expect((await browser.get('/admin/identity/users')).statusCode).toBe(403);
    expect((await browser.get(`${P}/mail`)).statusCode).toBe(200);
  });
});
