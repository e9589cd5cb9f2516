import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agoraCli, freePort, startAgora, stopAgora, type Env, type Running } from './helpers/agora-process.js';
import { testDatabase, usingPostgres } from './helpers/db.js';

/**
 * Finding 2 of issue 11: CLI commands run while `agora start` serves the same DATA_DIR used to open a second
 * embedded database beside the server's, print success, and lose their writes. Now they are carried out by
 * the running server (on PostgreSQL they write to the shared database themselves), and a second server on
 * the same DATA_DIR stops with a message naming the first.
 */
describe('agora CLI while a server runs on the same DATA_DIR', () => {
  const running: Running[] = [];
  afterAll(() => {
    for (const r of running) r.child.kill('SIGKILL');
  });

  it('apikey create and createsuperuser take effect in the server at once and survive restarts', async () => {
    const { url } = await testDatabase();
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'agora-cli-server-'));
    const env: Env = {
      ...process.env,
      DATABASE_URL: url ?? '',
      REDIS_URL: '',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: 'cli-server-test-secret-0123456789-0123456789',
      ARGON2_MEMORY_KIB: '4096',
      ARGON2_ITERATIONS: '1',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
    };
    const base = `http://127.0.0.1:${port}`;
    const login = (password: string) =>
      fetch(`${base}/idp/api/v1/users/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: 'root', password }),
      }).then((r) => r.status);
    const withKey = (key: string) =>
      fetch(`${base}/microblog/api/users/me`, { headers: { 'api-key': key } }).then((r) => r.status);
    const start = async () => {
      const r = await startAgora(env);
      running.push(r);
      return r;
    };

    let server = await start();
    const su = await agoraCli(env, 'createsuperuser', '--username', 'root', '--password', 'root password!');
    expect(su).toMatchObject({ code: 0, stdout: 'Created superuser root\n' });
    const made = await agoraCli(env, 'apikey', 'create', '--user', 'root', '--name', 'ci');
    expect(made.code).toBe(0);
    const key = made.stdout.trim();
    expect(key).toMatch(/^agora_[\w-]{40,}$/);

    // The running server sees both at once.
    expect(await login('root password!')).toBe(200);
    expect(await withKey(key)).toBe(200);
    if (!usingPostgres()) expect(made.stderr).toContain(`done by the running \`agora start\` (pid ${server.child.pid}`);
    // The other database commands work alongside it too.
    const doc = await agoraCli(env, 'openapi');
    expect(doc.code).toBe(0);
    expect(JSON.parse(doc.stdout).paths).toHaveProperty(['/idp/api/v1/users/token']);
    expect(await agoraCli(env, 'migrate')).toMatchObject({ code: 0, stdout: 'No pending migrations\n' });
    const flushed = await agoraCli(env, 'tokens', 'flush-expired');
    expect(flushed).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Removed \d+ sessions/) });
    // A failure inside the server comes back as the command's own failure.
    const nobody = await agoraCli(env, 'apikey', 'create', '--user', 'nobody-here');
    expect(nobody.code).not.toBe(0);
    expect(nobody.stderr).toContain('no user named nobody-here');

    if (!usingPostgres()) {
      // A second server on the same DATA_DIR stops and names the first.
      const second = await startAgora({ ...env, PORT: String(await freePort()) }).then(
        (r) => {
          running.push(r);
          return { code: 0, output: r.output() };
        },
        (err: { code: number; output: string }) => err,
      );
      expect(second.code).not.toBe(0);
      expect(second.output).toContain(`is in use by \`agora start\` (pid ${server.child.pid}`);
      expect(await withKey(key)).toBe(200);
    }

    // A clean restart keeps both...
    expect(await stopAgora(server)).toBe(0);
    server = await start();
    expect(await login('root password!')).toBe(200);
    expect(await withKey(key)).toBe(200);
    // ...and so does a crash: the dead server's lock is taken over.
    const su2 = await agoraCli(env, 'createsuperuser', '--username', 'root', '--password', 'second password!');
    expect(su2).toMatchObject({ code: 0, stdout: 'Updated superuser root\n' });
    expect(await login('second password!')).toBe(200);
    await stopAgora(server, 'SIGKILL');
    server = await start();
    expect(await login('second password!')).toBe(200);
    expect(await login('root password!')).toBe(401);
    expect(await withKey(key)).toBe(200);
    expect(await stopAgora(server)).toBe(0);
  }, 600_000);
});
