import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { memoryCache } from './cache.js';
import { createMetrics } from '../observability/metrics.js';
import { memoryRateLimiter } from '../ratelimit/rate-limiter.js';
import type { Database } from '../db/database.js';
import { failSafe } from './failsafe.js';

/** A memory cache and limiter that throw while `down` is set, like a Redis that stopped answering. */
function flaky() {
  const state = { down: false, calls: 0 };
  const cache = memoryCache();
  const limiter = memoryRateLimiter();
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A) => {
      state.calls++;
      return state.down ? Promise.reject(new Error('connect ECONNREFUSED')) : fn(...args);
    };
  return {
    state,
    cache: { ...cache, get: guard(cache.get), set: guard(cache.set), del: guard(cache.del) },
    limiter: { hit: guard(limiter.hit), peek: guard(limiter.peek), reset: guard(limiter.reset) },
  };
}

const setup = () => {
  const f = flaky();
  let t = 0;
  const metrics = createMetrics({
    poolStats: () => ({ total: 0, idle: 0, waiting: 0, max: 0 }),
    queryCount: () => 0,
  } as unknown as Database);
  const safe = failSafe({
    cache: f.cache,
    limiter: f.limiter,
    log: pino({ level: 'silent' }) as FastifyBaseLogger,
    metrics,
    now: () => t,
    pauseMs: 1000,
  });
  return { f, safe, metrics, advance: (ms: number) => (t += ms) };
};

describe('fail-safe cache and limiter over Redis', () => {
  it('limits in process and reads miss while Redis fails, then leaves it alone for the pause', async () => {
    const { f, safe, metrics } = setup();
    f.state.down = true;
    expect((await safe.limiter.hit('k', 1, 60)).allowed).toBe(true);
    expect(await safe.cache.get('a')).toBeUndefined();
    const calls = f.state.calls;
    // The limit still holds while Redis is away: the second hit in the window is refused by the local limiter.
    expect((await safe.limiter.hit('k', 1, 60)).allowed).toBe(false);
    expect(await safe.cache.get('a')).toBeUndefined();
    expect(f.state.calls).toBe(calls); // paused: no call reached the failing server
    const text = await metrics.registry.metrics();
    expect(text).toContain('redis_bypassed_total{component="limiter"} 2');
    expect(text).toContain('redis_bypassed_total{component="cache"} 2');
  });

  it('replays the writes it could not make before the first read once Redis answers again', async () => {
    const { f, safe, advance } = setup();
    await safe.cache.set('gen', 'old', 60);
    f.state.down = true;
    await safe.cache.set('gen', 'new', 60); // e.g. a new message's cache generation
    await safe.cache.del('page');
    f.state.down = false;
    expect(await safe.cache.get('gen')).toBeUndefined(); // still within the pause
    advance(1001);
    expect(await safe.cache.get('gen')).toBe('new');
    expect(await f.cache.get('gen')).toBe('new');
  });
});
