import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { call, signup, type Client } from './helpers.js';

describe('messenger: throttling per session', () => {
  let agora: Agora;
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    agora = await testApp({ MESSENGER_RATE_LIMIT_PER_SECOND: '20' });
    alice = await signup(agora);
    bob = await signup(agora);
  });
  afterAll(async () => agora.app.close());

  it('answers 429 request-limit-exceeded beyond the configured limit, per session', async () => {
    await new Promise((r) => setTimeout(r, 2100)); // a fresh window: login requests are behind us
    const statuses: number[] = [];
    let limited: unknown;
    for (let i = 0; i < 40; i++) {
      const res = await call(agora, 'GET', '/ping', { client: alice });
      statuses.push(res.status);
      if (res.status === 429) limited = res.json();
    }
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThanOrEqual(20);
    expect(ok).toBeLessThan(40);
    expect(limited).toEqual({ message: 'request-limit-exceeded' });
    // another session is not affected
    expect((await call(agora, 'GET', '/ping', { client: bob })).status).toBe(200);
  });

  it('can be switched off', async () => {
    const free = await testApp({ MESSENGER_RATE_LIMIT_PER_SECOND: '5', MESSENGER_RATE_LIMIT_ENABLED: 'false' });
    try {
      for (let i = 0; i < 30; i++) expect((await call(free, 'GET', '/ping')).status).toBe(200);
    } finally {
      await free.app.close();
    }
  });

  it('lets a fast client through at the default limit (≥100 requests per second)', async () => {
    const dflt = await testApp();
    try {
      const start = Date.now();
      for (let i = 0; i < 100; i++) expect((await call(dflt, 'GET', '/ping')).status).toBe(200);
      expect(Date.now() - start).toBeLessThan(1000);
    } finally {
      await dflt.app.close();
    }
  });
});
