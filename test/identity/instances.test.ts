import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { testConfig, unique } from '../helpers/app.js';
import { testDatabase, usingPostgres, usingRedis } from '../helpers/db.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe('identity: a restart keeps users (PGlite persisted in DATA_DIR)', () => {
  it('logs in after the app is closed and built again on the same directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agora-restart-'));
    const config = testConfig({ DATA_DIR: dataDir, REDIS_URL: '' });
    const first = await buildApp(config);
    await first.identity.service.register({ username: 'keeper', password: 'persisted password', email: null });
    await first.app.close();
    const second = await buildApp(config);
    try {
      const res = await second.app.inject({
        method: 'POST',
        url: '/idp/api/v1/users/token',
        payload: { login: 'keeper', password: 'persisted password' },
      });
      expect(res.statusCode).toBe(200);
    } finally {
      await second.app.close();
    }
  }, 60_000);
});

describe.skipIf(!usingPostgres() || !usingRedis())('identity: two `agora serve` processes share sessions', () => {
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.kill('SIGTERM')));

  async function serve(env: Record<string, string>): Promise<string> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/agora.js'), 'serve'], {
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 120; i++) {
      if (child.exitCode !== null) throw new Error(`agora serve exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${base}/health`)).ok) return base;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('agora serve did not start');
  }

  it('a logout through one makes the same access token answer 401 on the other at once', async () => {
    const { url } = await testDatabase();
    const env = {
      DATABASE_URL: url!,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_PREFIX: `agora-test:${unique('multi')}:`,
      JWT_SECRET: 'multi-instance-secret-0123456789-abcdefgh',
      ARGON2_MEMORY_KIB: '4096',
      ARGON2_ITERATIONS: '1',
      DEMO_DATA: 'false',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'agora-multi-')),
    };
    const [a, b] = await Promise.all([serve(env), serve(env)]);
    const username = unique('multi');
    const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}/idp/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect(
      (await post(a, '/users/', { username, email: `${username}@e.test`, password: 'shared password' })).status,
    ).toBe(201);
    const tokens = (await (await post(b, '/users/token', { login: username, password: 'shared password' })).json()) as {
      access_token: string;
      refresh_token: string;
    };
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    // both instances accept (and cache) the token
    expect((await fetch(`${a}/idp/api/v1/users/me`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${b}/idp/api/v1/users/me`, { headers: auth })).status).toBe(200);
    expect((await post(a, '/users/logout', {}, auth)).status).toBe(204);
    expect((await fetch(`${b}/idp/api/v1/users/me`, { headers: auth })).status).toBe(401);
    expect((await fetch(`${a}/idp/api/v1/users/me`, { headers: auth })).status).toBe(401);
  }, 90_000);
});
