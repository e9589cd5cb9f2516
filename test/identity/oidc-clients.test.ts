import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { oidcCommand } from '../../src/modules/identity/index.js';
import { testApp } from '../helpers/app.js';
import { bearer, registerAndLogin, type TestUser } from '../helpers/identity.js';

const URL_ = '/idp/api/v1/oidc/clients';

describe('clients of the OpenID provider: admin API and `agora oidc client`', () => {
  let agora: Agora;
  let admin: TestUser;
  let user: TestUser;
  beforeAll(async () => {
    agora = await testApp();
    admin = await registerAndLogin(agora, { admin: true });
    user = await registerAndLogin(agora);
  });
  afterAll(async () => agora.app.close());

  const create = (token: string, payload: unknown) =>
    agora.app.inject({ method: 'POST', url: URL_, headers: bearer(token), payload: payload as object });

  it('an admin registers a client; the secret is shown once and stored hashed', async () => {
    const res = await create(admin.access, {
      client_name: 'Cinema web',
      redirect_uris: ['https://cinema.example/callback'],
      post_logout_redirect_uris: ['https://cinema.example/'],
    });
    expect(res.statusCode, res.body).toBe(201);
    const client = res.json();
    expect(client).toMatchObject({
      client_name: 'Cinema web',
      redirect_uris: ['https://cinema.example/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(client.client_secret).toMatch(/^[\w-]{43}$/);
    const list = await agora.app.inject({ url: URL_, headers: bearer(admin.access) });
    const listed = list.json().find((c: { client_id: string }) => c.client_id === client.client_id);
    expect(listed).toBeDefined();
    expect(JSON.stringify(list.json())).not.toContain(client.client_secret);
    const stored = await agora.ctx.database.db.execute(
      sql`select secret_hash, metadata::text as metadata from identity.oidc_clients where client_id = ${client.client_id}`,
    );
    const row = (Array.isArray(stored) ? stored : (stored as { rows: unknown[] }).rows)[0] as Record<string, string>;
    expect(row.secret_hash).toBe(createHash('sha256').update(client.client_secret).digest('hex'));
    expect(row.metadata).not.toContain(client.client_secret);

    const del = () =>
      agora.app.inject({ method: 'DELETE', url: `${URL_}/${client.client_id}`, headers: bearer(admin.access) });
    expect((await del()).statusCode).toBe(204);
    expect((await del()).statusCode).toBe(404);
  });

  it('a public client has no secret (PKCE alone)', async () => {
    const res = await create(admin.access, {
      client_name: 'SPA',
      redirect_uris: ['http://localhost:5173/cb'],
      public: true,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ token_endpoint_auth_method: 'none' });
    expect(res.json().client_secret).toBeUndefined();
  });

  it('bad redirect URIs are a 400 with the reason', async () => {
    for (const uri of ['https://a.example/cb#frag', 'not a uri', 'javascript:alert(1)']) {
      const res = await create(admin.access, { client_name: 'x', redirect_uris: [uri] });
      expect(res.statusCode, uri).toBe(400);
      expect(res.json().detail).toBeTruthy();
    }
  });

  it('only admins', async () => {
    expect((await create(user.access, { client_name: 'x', redirect_uris: ['https://a.example/cb'] })).statusCode).toBe(
      403,
    );
    expect((await agora.app.inject({ url: URL_ })).statusCode).toBe(401);
  });

  it('agora oidc client create|list|delete', async () => {
    const clients = agora.identity.oidcClients;
    const made = await oidcCommand(clients, [
      'client',
      'create',
      '--name',
      'CLI app',
      '--redirect-uri',
      'https://cli.example/cb',
    ]);
    expect(made[0]).toMatch(/^client_id: [\w-]+$/);
    expect(made[1]).toMatch(/^client_secret: [\w-]{43} {3}\(shown once\)$/);
    const id = made[0]!.slice('client_id: '.length);
    expect((await oidcCommand(clients, ['client', 'list'])).some((l) => l.startsWith(`${id}  CLI app`))).toBe(true);
    expect(await oidcCommand(clients, ['client', 'delete', '--id', id])).toEqual([`Deleted client ${id}`]);
    await expect(oidcCommand(clients, ['client', 'create', '--name', 'x'])).rejects.toThrow(/usage/);
    await expect(
      oidcCommand(clients, ['client', 'create', '--name', 'x', '--redirect-uri', 'https://x.example/#f']),
    ).rejects.toThrow('redirect_uris must not contain fragments');
    await expect(oidcCommand(undefined, ['client', 'list'])).rejects.toThrow(/OpenID provider is off/);
  });
});
