import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type Agora, type BuildOptions } from '../../src/app.js';
import { configFrom, type Config } from '../../src/config.js';
import { testDatabase } from './db.js';

export type ConfigValues = Partial<Record<keyof Config, string>>;

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

/** Test defaults: quiet, cheap argon2, generous limits (tests that check limits lower them). */
export function testConfig(values: ConfigValues = {}): Config {
  return configFrom({
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'agora-test-')),
    ARGON2_MEMORY_KIB: '4096',
    ARGON2_ITERATIONS: '1',
    RATE_LIMIT_USER_PER_MINUTE: '100000',
    RATE_LIMIT_LOGIN_PER_IP: '100000',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000',
    DEMO_DATA: 'false',
    ...(process.env.TEST_REDIS_URL
      ? { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: `agora-test:${randomUUID()}:` }
      : {}),
    ...values,
  });
}

/** The whole app on the worker's shared test database (PGlite, or PostgreSQL when TEST_DATABASE_URL is set). */
export async function testApp(
  values: ConfigValues = {},
  opts: Pick<BuildOptions, 'clock' | 'stores'> = {},
): Promise<Agora> {
  const { database } = await testDatabase();
  return buildApp(testConfig(values), { database, ...opts });
}

let seq = 0;
/** A unique name for factories: tests never depend on each other's data. */
export const unique = (prefix = 'u') =>
  `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}${Math.floor(Math.random() * 1e4)}`;
