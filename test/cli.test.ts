import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testDatabase } from './helpers/db.js';

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
    const agora = (...args: string[]) => exec(process.execPath, ['bin/agora.js', ...args], { env, timeout: 60_000 });

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
  }, 120_000);
});
