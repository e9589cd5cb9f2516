import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import { bearer } from '../helpers/identity.js';
import { PanelClient, panelUser } from './helpers.js';

const IDP = '/idp/api/v1';

/** An identity access token (client `idp`) for an account made by panelUser. */
async function idpToken(agora: Agora, u: { username: string; password: string }) {
  const res = await agora.app.inject({
    method: 'POST',
    url: `${IDP}/users/token`,
    payload: { login: u.username, password: u.password },
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ access_token: string }>().access_token;
}

describe('no way up: module administrators and other modules’ credentials', () => {
  let agora: Agora;
  let root: Awaited<ReturnType<typeof panelUser>>;
  beforeAll(async () => {
    agora = await testApp();
    root = await panelUser(agora, { superuser: true });
  });
  afterAll(async () => agora?.app.close());

  it('identity’s routes and the panel take identity’s own tokens, not the wishlist’s nor a messenger session', async () => {
    const wl = await agora.app.inject({
      method: 'POST',
      url: '/wishlist/api/login/',
      payload: { username: root.username, password: root.password },
    });
    expect(wl.statusCode).toBe(200);
    const wishlistToken = wl.json<{ access: string }>().access;
    const ms = await agora.app.inject({
      method: 'POST',
      url: '/messenger/v1/auth/login',
      payload: { user_name: root.username, password: root.password },
    });
    expect(ms.statusCode).toBe(200);
    const session = ms.json<{ session_id: string }>().session_id;

    // The wishlist's token still serves the wishlist…
    expect((await agora.app.inject({ url: '/wishlist/api/wishes/', headers: bearer(wishlistToken) })).statusCode).toBe(
      200,
    );
    // …and reads the account in identity (one account everywhere)…
    expect((await agora.app.inject({ url: `${IDP}/users/me`, headers: bearer(wishlistToken) })).statusCode).toBe(200);
    // …but opens neither identity's administration and credentials, nor the panel.
    const key = await agora.app.inject({
      method: 'POST',
      url: `${IDP}/api-keys/`,
      headers: bearer(wishlistToken),
      payload: { name: 'from a wishlist token' },
    });
    expect(key.statusCode).toBe(401);
    for (const url of [`${IDP}/users/`, `${IDP}/roles/`]) {
      const res = await agora.app.inject({ url, headers: bearer(wishlistToken) });
      expect(res.statusCode, url).toBe(401);
    }
    const create = await agora.app.inject({
      method: 'POST',
      url: `${IDP}/roles/`,
      headers: bearer(wishlistToken),
      payload: { name: unique('via-wl'), permissions: ['admin.identity'] },
    });
    expect(create.statusCode).toBe(401);
    expect((await agora.app.inject({ url: '/admin/identity/users', headers: bearer(wishlistToken) })).statusCode).toBe(
      401,
    );
    const viaSession = await agora.app.inject({
      url: '/admin/identity/users',
      headers: { authorization: `session_id ${session}` },
    });
    expect(viaSession.statusCode).toBe(401);
    // Identity's own token opens both.
    const token = await idpToken(agora, root);
    expect((await agora.app.inject({ url: `${IDP}/roles/`, headers: bearer(token) })).statusCode).toBe(200);
    expect((await agora.app.inject({ url: '/admin/identity/users', headers: bearer(token) })).statusCode).toBe(200);
  });

  it('an identity.admin grants only what it holds and cannot sign out a superuser (API)', async () => {
    const staff = await panelUser(agora, { permissions: ['identity.admin'] });
    const token = await idpToken(agora, staff);
    const post = (url: string, payload: unknown) =>
      agora.app.inject({ method: 'POST', url: `${IDP}${url}`, headers: bearer(token), payload: payload as object });

    const wide = await post('/roles/', { name: unique('esc'), permissions: ['identity.admin', 'admin.identity'] });
    expect(wide.statusCode).toBe(403);
    expect(wide.json().detail).toBe('You cannot grant permissions you do not hold: admin.identity');
    expect((await post('/roles/', { name: unique('same'), permissions: ['identity.admin'] })).statusCode).toBe(201);

    const everything = await agora.identity.service.createRole({ name: unique('all'), permissions: ['admin.*'] });
    expect((await post(`/roles/${everything.id}/users`, { users: [staff.id] })).statusCode).toBe(403);
    const put = await agora.app.inject({
      method: 'PUT',
      url: `${IDP}/roles/${everything.id}`,
      headers: bearer(token),
      payload: { permissions: [] },
    });
    expect(put.statusCode).toBe(403);
    expect((await agora.identity.service.rolesOfUser(staff.id)).map((r) => r.name)).not.toContain(everything.name);

    expect((await post(`/users/logout/${root.id}`, {})).statusCode).toBe(403);
    const plain = await panelUser(agora);
    expect((await post(`/users/logout/${plain.id}`, {})).statusCode).toBe(204);
  });

  it('an admin.identity staff member can neither take over a superuser nor give itself more (panel)', async () => {
    const staff = await panelUser(agora, { permissions: ['admin.identity'] });
    const browser = new PanelClient(agora, '10.7.7.7');
    expect((await browser.signIn(staff.username, staff.password)).statusCode).toBe(303);

    const superuser = `/admin/identity/users/${root.id}`;
    await browser.get(superuser);
    for (const action of ['reset-password', 'deactivate', 'end-sessions']) {
      const res = await browser.post(`${superuser}/actions/${action}`, { confirmed: 'yes' });
      expect(res.statusCode, action).toBe(403);
    }
    expect(await agora.identity.service.getUser(root.id)).toMatchObject({ isActive: true });
    const stillRoot = new PanelClient(agora, '10.7.7.8');
    expect((await stillRoot.signIn(root.username, root.password)).statusCode).toBe(303);

    await browser.get('/admin/identity/roles/add');
    const wide = await browser.post('/admin/identity/roles/add', {
      name: unique('esc'),
      description: '',
      permissions: 'admin.*',
    });
    expect(wide.statusCode).toBe(422);
    expect(wide.body).toMatch(/id="e-permissions">You cannot grant permissions you do not hold: admin\.\*/);

    const everything = await agora.identity.service.createRole({ name: unique('all'), permissions: ['admin.*'] });
    const own = (await agora.identity.service.rolesOfUser(staff.id)).map((r) => r.name);
    const me = `/admin/identity/users/${staff.id}`;
    await browser.get(me);
    const more = await browser.post(me, {
      username: staff.username,
      email: `${staff.username}@example.test`,
      firstName: '',
      lastName: '',
      roles: [...own, everything.name].join('\n'),
    });
    expect(more.statusCode).toBe(422);
    expect(more.body).toMatch(/id="e-roles">You cannot grant permissions you do not hold: admin\.\*/);
    expect((await browser.get('/admin/jobs/jobs')).statusCode).toBe(403);

    // Within its reach it works as before: a user holding nothing more than it does.
    const plain = await panelUser(agora);
    await browser.get(`/admin/identity/users/${plain.id}`);
    const reset = await browser.post(`/admin/identity/users/${plain.id}/actions/reset-password`, { confirmed: 'yes' });
    expect(reset.statusCode).toBe(200);
    expect(reset.body).toMatch(/New password: \S+/);
  });
});
