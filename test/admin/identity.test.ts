import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { bearer, registerAndLogin } from '../helpers/identity.js';
import { PanelClient, panelUser } from './helpers.js';

const userForm = (u: { username: string; email?: string }, extra: Record<string, string> = {}) => ({
  username: u.username,
  email: u.email ?? '',
  firstName: '',
  lastName: '',
  roles: '',
  ...extra,
});

describe('admin panel: identity users, roles, sessions and the audit log', () => {
  let agora: Agora;
  let admin: Awaited<ReturnType<typeof panelUser>>;
  let browser: PanelClient;
  beforeAll(async () => {
    agora = await testApp();
    admin = await panelUser(agora, { superuser: true });
    browser = new PanelClient(agora);
    await browser.signIn(admin.username, admin.password);
  });
  afterAll(async () => agora?.app.close());

  it('lists users, searches them and filters by active', async () => {
    const target = await registerAndLogin(agora);
    const found = await browser.get(`/admin/identity/users?q=${target.username}`);
    expect(found.statusCode).toBe(200);
    expect(found.body).toContain(`/admin/identity/users/${target.id}`);
    expect(found.body).not.toContain(`/admin/identity/users/${admin.id}"`);
    await agora.identity.service.deactivate(target.id);
    const active = await browser.get(`/admin/identity/users?q=${target.username}&f_active=true`);
    expect(active.body).not.toContain(`/admin/identity/users/${target.id}`);
    const inactive = await browser.get(`/admin/identity/users?q=${target.username}&f_active=false`);
    expect(inactive.body).toContain(`/admin/identity/users/${target.id}`);
  });

  it('shows an invalid value’s error beside its field, then saves the fixed value through identity', async () => {
    const target = await registerAndLogin(agora);
    const url = `/admin/identity/users/${target.id}`;
    await browser.get(url);
    const bad = await browser.post(url, userForm(target, { username: 'not valid!' }));
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/aria-describedby="e-username"/);
    expect(bad.body).toMatch(/<p class="field-error" id="e-username">Enter a valid username/);
    expect(bad.body).toContain('value="not valid!"');
    const taken = await browser.post(url, userForm(target, { username: admin.username }));
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toMatch(/id="e-username">A user with that username already exists/);
    const renamed = `${target.username}_r`;
    const ok = await browser.post(url, userForm(target, { username: renamed, email: 'Renamed@Example.TEST' }));
    expect(ok.statusCode).toBe(303);
    const me = await agora.app.inject({ url: '/idp/api/v1/users/me', headers: bearer(target.access) });
    expect(me.json()).toMatchObject({ username: renamed, email: 'Renamed@example.test' });
    const audit = await browser.get(`/admin/admin/audit?f_username=${admin.username}&f_resource=identity.users`);
    expect(audit.body).toContain(target.id);
    expect(audit.body).toContain(`username: ${target.username} → ${renamed}`);
  });

  it('deactivates after a confirmation, activates, and records both with before/after', async () => {
    const target = await registerAndLogin(agora);
    const url = `/admin/identity/users/${target.id}`;
    const ask = await browser.post(`${url}/actions/deactivate`);
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('name="confirmed" value="yes"');
    expect((await agora.identity.service.getUser(target.id))?.isActive).toBe(true);
    const done = await browser.post(`${url}/actions/deactivate`, { confirmed: 'yes' });
    expect(done.statusCode).toBe(303);
    expect((await agora.app.inject({ url: '/idp/api/v1/users/me', headers: bearer(target.access) })).statusCode).toBe(
      401,
    );
    expect((await agora.identity.service.getUser(target.id))?.isActive).toBe(false);
    expect((await browser.post(`${url}/actions/activate`)).statusCode).toBe(303);
    expect((await agora.identity.service.getUser(target.id))?.isActive).toBe(true);
    const log = await browser.get(`/admin/admin/audit?f_resource=identity.users&f_action=deactivate&q=`);
    expect(log.body).toContain(target.id);
    expect(log.body).toContain('isActive: yes → no');
  });

  it('resets a password (shown once) and ends every session of the account', async () => {
    const target = await registerAndLogin(agora);
    const url = `/admin/identity/users/${target.id}`;
    const res = await browser.post(`${url}/actions/reset-password`, { confirmed: 'yes' });
    // Shown in the answer to the action itself, not stored: no cookie carries it, and no cache keeps the page.
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(String(res.headers['set-cookie'] ?? '')).not.toMatch(/password/i);
    const password = /New password: (\S+)/.exec(res.body)?.[1];
    expect(password).toBeTruthy();
    expect((await browser.get(url)).body).not.toContain('New password');
    expect((await agora.app.inject({ url: '/idp/api/v1/users/me', headers: bearer(target.access) })).statusCode).toBe(
      401,
    );
    const login = (pw: string) =>
      agora.app.inject({
        method: 'POST',
        url: '/idp/api/v1/users/token',
        payload: { login: target.username, password: pw },
      });
    expect((await login(target.password)).statusCode).toBe(401);
    expect((await login(password!)).statusCode).toBe(200);
    const entry = await browser.get(`/admin/admin/audit?f_action=reset-password&q=`);
    expect(entry.body).toContain(target.id);
    expect(entry.body).not.toContain(password!);
  });

  it('ends all sessions of a user, and one session from the sessions list', async () => {
    const target = await registerAndLogin(agora);
    const other = await registerAndLogin(agora);
    await browser.post(`/admin/identity/users/${target.id}/actions/end-sessions`, { confirmed: 'yes' });
    expect((await agora.app.inject({ url: '/idp/api/v1/users/me', headers: bearer(target.access) })).statusCode).toBe(
      401,
    );
    const sessions = await browser.get(`/admin/identity/sessions?q=${other.id}`);
    const sid = new RegExp(`/admin/identity/sessions/([0-9a-f-]{36})`).exec(sessions.body)?.[1];
    expect(sid).toBeTruthy();
    expect((await browser.post(`/admin/identity/sessions/${sid}/actions/end`)).statusCode).toBe(303);
    expect((await agora.app.inject({ url: '/idp/api/v1/users/me', headers: bearer(other.access) })).statusCode).toBe(
      401,
    );
  });

  it('creates a role with a module permission, gives it to a user, who then sees only that module', async () => {
    const role = `wishlist-staff-${Date.now()}`;
    await browser.get('/admin/identity/roles/add');
    const created = await browser.post('/admin/identity/roles/add', {
      name: role,
      description: 'Wish list moderators',
      permissions: 'admin.wishlist',
    });
    expect(created.statusCode).toBe(303);
    const dup = await browser.post('/admin/identity/roles/add', { name: role, description: '', permissions: '' });
    expect(dup.statusCode).toBe(422);
    expect(dup.body).toMatch(/id="e-name">A role with that name already exists/);

    const staff = await panelUser(agora);
    const url = `/admin/identity/users/${staff.id}`;
    await browser.get(url);
    const unknown = await browser.post(url, userForm(staff, { roles: 'no-such-role' }));
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toMatch(/id="e-roles">Unknown role: no-such-role/);
    expect((await browser.post(url, userForm(staff, { roles: role }))).statusCode).toBe(303);

    const staffBrowser = new PanelClient(agora, '10.2.2.2');
    expect((await staffBrowser.signIn(staff.username, staff.password)).statusCode).toBe(303);
    const home = await staffBrowser.get('/admin/');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('href="/admin/wishlist/wishes"');
    expect(home.body).not.toContain('href="/admin/identity/users"');
    expect(home.body).not.toContain('href="/admin/jobs/jobs"');
    expect((await staffBrowser.get('/admin/wishlist/wishes')).statusCode).toBe(200);
    for (const page of [
      '/admin/identity/users',
      `/admin/identity/users/${admin.id}`,
      '/admin/jobs/jobs',
      '/admin/admin/audit',
    ])
      expect((await staffBrowser.get(page)).statusCode, page).toBe(403);
    const action = await staffBrowser.post(`/admin/identity/users/${admin.id}/actions/deactivate`, {
      confirmed: 'yes',
    });
    expect(action.statusCode).toBe(403);
    expect((await agora.identity.service.getUser(admin.id))?.isActive).toBe(true);
  });

  it('shows the dashboard: counts per module, jobs waiting and dead, recent admin actions', async () => {
    const home = await browser.get('/admin/');
    expect(home.statusCode).toBe(200);
    expect(home.body).toMatch(
      /<td data-label="Resource"><a href="\/admin\/identity\/users">Users<\/a><\/td><td data-label="Rows">\d+/,
    );
    expect(home.body).toMatch(/<strong>\d+<\/strong> waiting/);
    expect(home.body).toMatch(/<strong>\d+<\/strong> dead/);
    expect(home.body).toContain(`${admin.username} — `);
  });
});
