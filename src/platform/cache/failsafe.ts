import type { FastifyBaseLogger } from 'fastify';
import type { Cache } from './cache.js';
import type { Metrics } from '../observability/metrics.js';
import { memoryRateLimiter, type RateLimiter } from '../ratelimit/rate-limiter.js';

export interface FailSafeOptions {
  cache: Cache;
  limiter: RateLimiter;
  log: FastifyBaseLogger;
  metrics: Metrics;
  now?: () => number;
  /** After a failure, Redis is left alone this long (a dead server must not add its timeout to every request). */
  pauseMs?: number;
  /** Cache writes kept for replay while Redis is away (the latest per key). */
  maxPending?: number;
}

/**
 * A cache and a throttle as accelerators, not dependencies: when Redis fails, reads fall back to
 * the database (a cache miss), the throttle counts in this process instead, the failure is logged once per pause
 * and every bypassed call is counted. Cache writes that could not be made (a new message's cache generation
 * above all) are replayed once Redis answers again, so pages cached before the outage do not come back stale.
 */
export function failSafe(o: FailSafeOptions): { cache: Cache; limiter: RateLimiter } {
  const now = o.now ?? Date.now;
  const pauseMs = o.pauseMs ?? 5000;
  const maxPending = o.maxPending ?? 10_000;
  const bypassed = o.metrics.counter(
    'redis_bypassed_total',
    'Cache or rate-limiter calls bypassed because Redis failed',
    ['component'],
  );
  const downUntil = { cache: 0, limiter: 0 };
  const pending = new Map<string, () => Promise<void>>();

  async function guard<T>(
    component: 'cache' | 'limiter',
    fallback: () => T | Promise<T>,
    call: () => Promise<T>,
  ): Promise<T> {
    if (now() < downUntil[component]) {
      bypassed.labels(component).inc();
      return fallback();
    }
    try {
      // Back from an outage: the writes it swallowed land first, so this call sees a current cache.
      if (component === 'cache' && pending.size) await replay();
      return await call();
    } catch (err) {
      downUntil[component] = now() + pauseMs;
      bypassed.labels(component).inc();
      o.log.warn({ err: (err as Error).message, component, pauseMs }, 'redis failed; bypassing it');
      return fallback();
    }
  }

  /** Remembers a write that did not reach Redis; only the latest write of a key matters. */
  const keep = (key: string, write: () => Promise<void>) => {
    pending.delete(key);
    pending.set(key, write);
    if (pending.size > maxPending) pending.delete(pending.keys().next().value!);
  };

  /** Replays the kept writes in order; throws (keeping the rest) while Redis still fails. */
  async function replay() {
    for (const [key, write] of [...pending]) {
      if (pending.get(key) !== write) continue;
      await write();
      if (pending.get(key) === write) pending.delete(key);
    }
  }

  const write = (key: string, run: () => Promise<void>) =>
    guard(
      'cache',
      () => false,
      async () => {
        await run();
        return true;
      },
    ).then((ok) => {
      if (ok) pending.delete(key);
      else keep(key, run);
    });

  // While Redis is away, limits still hold, per process: a brute-force guard must not switch off with Redis.
  const local = memoryRateLimiter(now);

  return {
    cache: {
      kind: o.cache.kind,
      get: <T>(key: string) =>
        guard<T | undefined>(
          'cache',
          () => undefined,
          () => o.cache.get<T>(key),
        ),
      set: (key, value, ttlSeconds) => write(key, () => o.cache.set(key, value, ttlSeconds)),
      del: async (...keys) => {
        for (const key of keys) await write(key, () => o.cache.del(key));
      },
      ping: () => o.cache.ping(),
      close: () => o.cache.close(),
    },
    limiter: {
      hit: (key, limit, w) =>
        guard(
          'limiter',
          () => local.hit(key, limit, w),
          () => o.limiter.hit(key, limit, w),
        ),
      peek: (key, limit, w) =>
        guard(
          'limiter',
          () => local.peek(key, limit, w),
          () => o.limiter.peek(key, limit, w),
        ),
      reset: async (key, w) => {
        await local.reset(key, w);
        await guard(
          'limiter',
          () => undefined,
          () => o.limiter.reset(key, w),
        );
      },
    },
  };
}
