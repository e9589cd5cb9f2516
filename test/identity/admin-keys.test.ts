import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import { bearer, registerAndLogin, type TestUser } from '../helpers/identity.js';

const P = '/idp/api/v1';

describe('identity: roles, users and API keys', () => {
  let agora: Agora;
  let admin: TestUser;
  let plain: TestUser;
  beforeAll(async () => {
    agora = await testApp();
    admin = await registerAndLogin(agora, { admin: true });
    plain = await registerAndLogin(agora);
  });
  afterAll(async () => agora.app.close());

  it('answers 403 to non-admins on every admin endpoint', async () => {
    const role = await agora.identity.service.createRole({ name: unique('r') });
    const calls = [
      { method: 'GET', url: `${P}/roles/` },
      { method: 'POST', url: `${P}/roles/`, payload: { name: unique('x') } },
      { method: 'PUT', url: `${P}/roles/${role.id}`, payload: { description: 'd' } },
      { method: 'DELETE', url: `${P}/roles/${role.id}` },
      { method: 'POST', url: `${P}/roles/${role.id}/users`, payload: { users: [plain.id] } },
      { method: 'DELETE', url: `${P}/roles/${role.id}/users/${plain.id}` },
      { method: 'GET', url: `${P}/users/` },
      { method: 'GET', url: `${P}/users/${admin.id}` },
      { method: 'GET', url: `${P}/users/${admin.id}/roles` },
      { method: 'GET', url: `${P}/users/${admin.id}/sessions` },
      { method: 'POST', url: `${P}/users/logout/${admin.id}` },
    ] as const;
    for (const call of calls) {
      const res = await agora.app.inject({ ...call, headers: bearer(plain.access) });
      expect(res.statusCode, `${call.method} ${call.url}`).toBe(403);
      expect(res.json()).toEqual({ detail: 'Admin role required' });
    }
  });

  it('lets a user read their own record but not list others', async () => {
    const own = await agora.app.inject({ url: `${P}/users/${plain.id}`, headers: bearer(plain.access) });
    expect(own.statusCode).toBe(200);
    expect(own.json().username).toBe(plain.username);
  });

  it('runs role CRUD and assignment; roles show in /me at once', async () => {
    const name = unique('editors');
    const created = await agora.app.inject({
      method: 'POST',
      url: `${P}/roles/`,
      headers: bearer(admin.access),
      payload: { name, description: 'Editors', permissions: ['cinema.manage'] },
    });
    expect(created.statusCode).toBe(201);
    const role = created.json<{ id: string }>();
    const dup = await agora.app.inject({
      method: 'POST',
      url: `${P}/roles/`,
      headers: bearer(admin.access),
      payload: { name },
    });
    expect(dup.statusCode).toBe(409);

    const u = await registerAndLogin(agora);
    expect((await agora.app.inject({ url: `${P}/users/me`, headers: bearer(u.access) })).json().roles).toEqual([]);
    const assign = await agora.app.inject({
      method: 'POST',
      url: `${P}/roles/${role.id}/users`,
      headers: bearer(admin.access),
      payload: { users: [u.id] },
    });
    expect(assign.statusCode).toBe(204);
    expect((await agora.app.inject({ url: `${P}/users/me`, headers: bearer(u.access) })).json().roles).toEqual([name]);
    const roles = await agora.app.inject({ url: `${P}/users/${u.id}/roles`, headers: bearer(admin.access) });
    expect(roles.json()).toEqual([{ id: role.id, name, description: 'Editors', permissions: ['cinema.manage'] }]);

    const updated = await agora.app.inject({
      method: 'PUT',
      url: `${P}/roles/${role.id}`,
      headers: bearer(admin.access),
      payload: { description: 'Film editors' },
    });
    expect(updated.json().description).toBe('Film editors');

    const unknownUser = await agora.app.inject({
      method: 'POST',
      url: `${P}/roles/${role.id}/users`,
      headers: bearer(admin.access),
      payload: { users: ['00000000-0000-4000-8000-000000000000'] },
    });
    expect(unknownUser.statusCode).toBe(404);

    const unassign = await agora.app.inject({
      method: 'DELETE',
      url: `${P}/roles/${role.id}/users/${u.id}`,
      headers: bearer(admin.access),
    });
    expect(unassign.statusCode).toBe(204);
    expect((await agora.app.inject({ url: `${P}/users/me`, headers: bearer(u.access) })).json().roles).toEqual([]);
    const del = await agora.app.inject({
      method: 'DELETE',
      url: `${P}/roles/${role.id}`,
      headers: bearer(admin.access),
    });
    expect(del.statusCode).toBe(204);
    const gone = await agora.app.inject({
      method: 'DELETE',
      url: `${P}/roles/${role.id}`,
      headers: bearer(admin.access),
    });
    expect(gone.statusCode).toBe(404);
  });

  it('a role with identity.admin makes its holder an admin', async () => {
    const u = await registerAndLogin(agora);
    const role = await agora.identity.service.createRole({ name: unique('idadm'), permissions: ['identity.admin'] });
    await agora.identity.service.assignRole(role.id, [u.id]);
    const res = await agora.app.inject({ url: `${P}/roles/`, headers: bearer(u.access) });
    expect(res.statusCode).toBe(200);
  });

  it('lists and searches users for admins, paged', async () => {
    const res = await agora.app.inject({
      url: `${P}/users/?search=${plain.username}&page_number=1&page_size=5`,
      headers: bearer(admin.access),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().map((u: { id: string }) => u.id)).toEqual([plain.id]);
    const bad = await agora.app.inject({ url: `${P}/users/?page_size=1000`, headers: bearer(admin.access) });
    expect(bad.statusCode).toBe(400);
  });

  it('admin logout of a user ends their sessions at once', async () => {
    const u = await registerAndLogin(agora);
    const res = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/logout/${u.id}`,
      headers: bearer(admin.access),
    });
    expect(res.statusCode).toBe(204);
    expect((await agora.app.inject({ url: `${P}/users/me`, headers: bearer(u.access) })).statusCode).toBe(401);
  });

  it('API key: create (shown once) → works as api-key → listed without secret → revoke → 401', async () => {
    const u = await registerAndLogin(agora);
    for (const name of ['', '   ', '\t\n']) {
      const blank = await agora.app.inject({
        method: 'POST',
        url: `${P}/api-keys/`,
        headers: bearer(u.access),
        payload: { name },
      });
      expect(blank.statusCode, JSON.stringify(name)).toBe(400);
    }
    const created = await agora.app.inject({
      method: 'POST',
      url: `${P}/api-keys/`,
      headers: bearer(u.access),
      payload: { name: 'ci' },
    });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json<{ id: string; key: string }>();
    expect(key.length).toBeGreaterThan(30);

    // an API key works where a module takes keys (the microblog), never on identity's own routes
    const viaKey = await agora.app.inject({ url: '/microblog/api/users/me', headers: { 'api-key': key } });
    expect(viaKey.statusCode).toBe(200);
    expect(viaKey.json().user.name).toBe(u.username);
    expect((await agora.app.inject({ url: `${P}/users/me`, headers: { 'api-key': key } })).statusCode).toBe(401);

    const list = await agora.app.inject({ url: `${P}/api-keys/`, headers: bearer(u.access) });
    expect(list.json()).toHaveLength(1);
    expect(list.body).not.toContain(key);

    const otherUser = await registerAndLogin(agora);
    const notYours = await agora.app.inject({
      method: 'DELETE',
      url: `${P}/api-keys/${id}`,
      headers: bearer(otherUser.access),
    });
    expect(notYours.statusCode).toBe(404);

    const revoke = await agora.app.inject({ method: 'DELETE', url: `${P}/api-keys/${id}`, headers: bearer(u.access) });
    expect(revoke.statusCode).toBe(204);
    const mb = (k: string) => agora.app.inject({ url: '/microblog/api/users/me', headers: { 'api-key': k } });
    expect((await mb(key)).statusCode).toBe(401);
    expect((await mb('made-up')).statusCode).toBe(401);
  });
});
