import { describe, expect, it } from 'vitest';
import { configFrom, describeConfig, loadConfig, parseDuration } from './config.js';

describe('config', () => {
  it('has defaults for a development start with nothing set', () => {
    const c = configFrom({});
    expect(c.PORT).toBe(8080);
    expect(c.AGORA_ENV).toBe('development');
    expect(c.DATA_DIR).toBe('./data');
    expect(c.MODULES).toEqual(['all']);
    expect(c.MOUNT_IDENTITY).toBe('/idp');
    expect(c.ACCESS_TOKEN_TTL).toBe(300);
  });

  it('names every invalid variable in one error', () => {
    expect(() => configFrom({ PORT: 'eighty', RATE_LIMIT_ENABLED: 'maybe', LOG_LEVEL: 'loud' })).toThrow(
      /PORT must be a whole number[\s\S]*RATE_LIMIT_ENABLED must be true or false[\s\S]*LOG_LEVEL must be one of/,
    );
  });

  it('refuses production with a missing, short or default secret', () => {
    expect(() => configFrom({ AGORA_ENV: 'production' })).toThrow(/JWT_SECRET must be set/);
    expect(() => configFrom({ AGORA_ENV: 'production', JWT_SECRET: 'changeme' })).toThrow(/JWT_SECRET/);
    expect(configFrom({ AGORA_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }).AGORA_ENV).toBe('production');
  });

  it('reads .env values, the environment winning', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'env-')), '.env');
    writeFileSync(file, 'PORT=9999\nHOST=127.0.0.2\n');
    const c = loadConfig({ HOST: '127.0.0.3' }, { dotenvPath: file });
    expect(c.PORT).toBe(9999);
    expect(c.HOST).toBe('127.0.0.3');
  });

  it('parses durations', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('7d')).toBe(604800);
    expect(() => parseDuration('soon')).toThrow();
  });

  it('describes every variable for the README', () => {
    const rows = describeConfig();
    expect(rows.length).toBeGreaterThan(30);
    for (const row of rows) expect(row.description.length, row.name).toBeGreaterThan(5);
  });
});
