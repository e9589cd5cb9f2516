import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryRateLimiter, redisRateLimiter, windowCounters, type RateLimiter } from './rate-limiter.js';

let now = 1_000_000_000_000;
const clock = () => now;
const redis = process.env.TEST_REDIS_URL
  ? new Redis(process.env.TEST_REDIS_URL, { keyPrefix: `rl-test:${process.pid}:${Date.now()}:` })
  : undefined;
afterAll(() => redis?.disconnect());

const stores: [string, () => RateLimiter][] = [['memory', () => memoryRateLimiter(clock)]];
if (redis) stores.push(['redis', () => redisRateLimiter(redis, clock)]);

describe.each(stores)('sliding-window rate limiter (%s)', (_name, make) => {
  it('allows the limit, refuses beyond it with a retry time, and recovers as the window slides', async () => {
    const limiter = make();
    now = 1_000_000_000_000; // the start of a 60 s window
    const key = `k${Math.random()}`;
    for (let i = 0; i < 3; i++) expect((await limiter.hit(key, 3, 60)).allowed).toBe(true);
    const refused = await limiter.hit(key, 3, 60);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.resetSeconds).toBeGreaterThan(0);
    expect(refused.resetSeconds).toBeLessThanOrEqual(120);
    // halfway through the next window, half of the previous window's 4 hits still count: 2 + 1 ≤ 3
    now += 90_000;
    expect((await limiter.hit(key, 3, 60)).allowed).toBe(true);
    now += 120_000;
    expect((await limiter.hit(key, 3, 60)).remaining).toBe(2);
  });

  it('peeks without counting and resets on demand', async () => {
    const limiter = make();
    const key = `p${Math.random()}`;
    for (let i = 0; i < 5; i++) expect((await limiter.peek(key, 2, 60)).allowed).toBe(true);
    await limiter.hit(key, 2, 60);
    await limiter.hit(key, 2, 60);
    expect((await limiter.peek(key, 2, 60)).allowed).toBe(false);
    await limiter.reset(key, 60);
    expect((await limiter.peek(key, 2, 60)).allowed).toBe(true);
  });
});

describe('in-memory window counters', () => {
  it('hold at most `max` keys, dropping the oldest first, and forget a counter once it expires', () => {
    let t = 0;
    const counts = windowCounters(3, () => t);
    for (const key of ['a', 'b', 'c']) counts.set(key, 1, 1_000);
    counts.set('a', 2, 1_000); // an update keeps its place
    counts.set('d', 1, 1_000);
    expect(counts.size).toBe(3);
    expect(counts.get('a')).toBeUndefined();
    expect([counts.get('b'), counts.get('c'), counts.get('d')]).toEqual([1, 1, 1]);
    t = 999;
    expect(counts.get('d')).toBe(1);
    t = 1_000;
    expect(counts.get('d')).toBeUndefined();
    // expired counters at the front are swept as new ones arrive
    counts.set('e', 1, 1_000);
    expect(counts.size).toBe(1);
  });
});
