import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../src/platform/db/data-dir-lock.js';
import { pgliteDir, pgliteLockFile } from '../src/platform/db/database.js';
import { agoraCli } from './helpers/agora-process.js';
import { testDatabase, usingPostgres } from './helpers/db.js';

const exec = promisify(execFile);

describe('agora CLI', () => {
  it('creates a superuser, issues an API key, flushes tokens and prints the OpenAPI document', async () => {
    const { url } = await testDatabase();
    const env = {
      ...process.env,
      DATABASE_URL: url ?? '',
      REDIS_URL: '',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'agora-cli-')),
      JWT_SECRET: 'cli-test-secret-0123456789-0123456789-abc',
      ARGON2_MEMORY_KIB: '4096',
      ARGON2_ITERATIONS: '1',
      LOG_LEVEL: 'warn',
    };
    const agora = (...args: string[]) =>
      exec(process.execPath, ['bin/agora.js', ...args], { env, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });

    const su = await agora(
      'createsuperuser',
      '--username',
      'root',
      '--email',
      'root@example.test',
      '--password',
      'root password!',
    );
    expect(su.stdout).toMatch(/(Created|Updated) superuser root/);
    const key = (await agora('apikey', 'create', '--user', 'root', '--name', 'ci')).stdout.trim();
    expect(key).toMatch(/^agora_[\w-]{40,}$/);
    expect((await agora('tokens', 'flush-expired')).stdout).toMatch(/Removed \d+ sessions and \d+ refresh tokens/);
    const doc = JSON.parse((await agora('openapi')).stdout) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths).toHaveProperty(['/idp/api/v1/users/token']);
    await expect(agora('apikey', 'create', '--user', 'nobody-here')).rejects.toMatchObject({
      stderr: expect.stringContaining('no user named nobody-here'),
    });
    await expect(
      exec(process.execPath, ['bin/agora.js', 'seed'], { env: { ...env, AGORA_ENV: 'production' } }),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('refused in production'),
    });
  }, 600_000);

  // While another process holds the embedded database and offers no admin channel (here: a CLI command of its
  // own), a database command stops with a message naming it and writes nothing.
  it.skipIf(usingPostgres())(
    'refuses, naming the holder, when the database is held by a process without a channel',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'agora-cli-held-'));
      const env = { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
      const lock = await acquireLock(pgliteLockFile(pgliteDir(dataDir)), dataDir, 'agora seed');
      try {
        for (const args of [
          ['apikey', 'create', '--user', 'root'],
          ['createsuperuser', '--username', 'root', '--password', 'root password!'],
          ['migrate'],
        ]) {
          const r = await agoraCli(env, ...args);
          expect(r.code, args.join(' ')).toBe(1);
          expect(r.stdout).toBe('');
          expect(r.stderr).toContain(`${dataDir} is in use by \`agora seed\` (pid ${process.pid} on`);
          expect(r.stderr).toContain('no admin channel');
        }
        expect(existsSync(pgliteDir(dataDir))).toBe(false);
      } finally {
        lock.release();
      }
    },
    300_000,
  );
});
