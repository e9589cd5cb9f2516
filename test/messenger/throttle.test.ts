import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import { testApp } from '../helpers/app.js';
import { P, signup, type Client } from './helpers.js';

/** `n` requests as fast as they go from one client address; returns the statuses. */
async function burst(
  agora: Agora,
  n: number,
  req: (i: number) => { url: string; headers?: Record<string, string> },
  ip = '10.0.0.1',
) {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const { url, headers } = req(i);
    const res = await agora.app.inject({ method: 'GET', url: `${P}${url}`, headers, remoteAddress: ip });
    statuses.push(res.statusCode);
    if (res.statusCode === 429) {
      expect(res.json()).toEqual({ message: 'request-limit-exceeded' });
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(res.headers['x-ratelimit-remaining']).toBe('0');
    }
  }
  return statuses;
}
const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;
/** The platform clock, held still: a burst falls in one window however slow the machine is. */
let now = Date.now();
const clock: Clock = { ...systemClock, now: () => new Date(now) };
/** A fresh one-second window: the sliding window forgets the requests of the setup. */
const freshWindow = async () => {
  now += 2100;
};

describe('messenger: throttling per session, per IP when anonymous', () => {
  let agora: Agora;
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    agora = await testApp({ MESSENGER_RATE_LIMIT_PER_SECOND: '20' }, { clock });
    alice = await signup(agora);
    bob = await signup(agora);
  });
  afterAll(async () => agora.app.close());
  beforeEach(freshWindow);

  it('answers 429 request-limit-exceeded beyond the configured limit, per session', async () => {
    const statuses = await burst(agora, 40, () => ({ url: '/ping', headers: alice.auth }));
    expect(count(statuses, 200)).toBeGreaterThanOrEqual(20);
    expect(count(statuses, 200)).toBeLessThan(40);
    expect(count(statuses, 429)).toBeGreaterThan(0);
    // another session from the same address is not affected
    expect((await burst(agora, 1, () => ({ url: '/ping', headers: bob.auth })))[0]).toBe(200);
  });

  it('limits anonymous clients per IP address', async () => {
    const statuses = await burst(agora, 40, () => ({ url: '/ping' }), '10.0.0.2');
    expect(count(statuses, 200)).toBeGreaterThanOrEqual(20);
    expect(count(statuses, 429)).toBeGreaterThan(0);
    expect(await burst(agora, 1, () => ({ url: '/ping' }), '10.0.0.3')).toEqual([200]);
  });

  it('is not bypassed by spacing or casing variants of one session header', async () => {
    const s = alice.session;
    const variants = [`session_id ${s}`, `session_id   ${s}`, `SESSION_ID ${s}`, `Session_Id\t${s}`];
    const statuses = await burst(agora, 40, (i) => ({
      url: '/v1/chats/00000000-0000-0000-0000-000000000000/messages?limit=1',
      headers: { authorization: variants[i % variants.length]! },
    }));
    expect(count(statuses, 404)).toBeGreaterThanOrEqual(20); // resolved: the chat is unknown
    expect(count(statuses, 429)).toBeGreaterThan(0);
  });

  it('is not bypassed by rotating junk or made-up session headers: they count against the IP', async () => {
    const junk = await burst(agora, 40, (i) => ({ url: '/ping', headers: { authorization: `Bearer junk-${i}` } }));
    expect(count(junk, 429)).toBeGreaterThan(0);
    await freshWindow();
    // well-formed but unknown session ids: each is refused (401) and charged to the address
    const madeUp = await burst(agora, 40, (i) => ({
      url: '/v1/chats/00000000-0000-0000-0000-000000000000/messages?limit=1',
      headers: { authorization: `session_id ${'x'.repeat(40)}${String(i).padStart(3, '0')}` },
    }));
    expect(count(madeUp, 401)).toBeGreaterThanOrEqual(20);
    expect(count(madeUp, 429)).toBeGreaterThan(0);
  });

  it('can be switched off: the burst that is limited when on all passes when off, without the limiter', async () => {
    const limited: Record<string, number> = {};
    for (const enabled of ['true', 'false']) {
      const app = await testApp(
        { MESSENGER_RATE_LIMIT_PER_SECOND: '5', MESSENGER_RATE_LIMIT_ENABLED: enabled },
        { clock },
      );
      const limiter = app.ctx.limiter;
      const realHit = limiter.hit.bind(limiter);
      let hits = 0;
      limiter.hit = (...args) => {
        if (args[0].startsWith('msgr:')) hits++;
        return realHit(...args);
      };
      try {
        const statuses = await burst(app, 30, () => ({ url: '/ping' }), '10.0.0.9');
        limited[enabled] = count(statuses, 429);
        expect(hits > 0, `limiter consulted when enabled=${enabled}`).toBe(enabled === 'true');
      } finally {
        await app.app.close();
      }
    }
    expect(limited.true).toBeGreaterThan(0);
    expect(limited.false).toBe(0);
  });

  it('lets a fast client through at the default limit (≥100 requests per second)', async () => {
    const dflt = await testApp({}, { clock });
    try {
      // 100 requests within one second of the clock
      expect(count(await burst(dflt, 100, () => ({ url: '/ping' })), 200)).toBe(100);
    } finally {
      await dflt.app.close();
    }
  });
});
