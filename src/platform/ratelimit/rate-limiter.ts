import type { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window has room again (Retry-After when refused). */
  resetSeconds: number;
}

/**
 * Sliding-window limiter (two fixed windows, the previous one weighted by how much of it still overlaps),
 * the approximation used by most API gateways: O(1) memory per key, no burst at window edges.
 */
export interface RateLimiter {
  /** Counts one request and says whether it is within `limit` per `windowSeconds`. */
  hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision>;
  /** Says whether one more request would be allowed, without counting it. */
  peek(key: string, limit: number, windowSeconds: number): Promise<RateDecision>;
  /** Forgets the counts of `key` (e.g. failed logins after a success). */
  reset(key: string, windowSeconds: number): Promise<void>;
}

function decide(prev: number, curr: number, limit: number, windowMs: number, elapsedMs: number): RateDecision {
  const weight = 1 - elapsedMs / windowMs;
  const estimate = prev * weight + curr;
  const allowed = estimate <= limit;
  let waitMs: number;
  if (allowed) waitMs = windowMs - elapsedMs;
  else if (curr > limit) waitMs = windowMs - elapsedMs + windowMs * Math.min(1, (curr - limit) / Math.max(curr, 1));
  else waitMs = Math.max(0, windowMs * (1 - (limit - curr) / Math.max(prev, 1)) - elapsedMs);
  return {
    allowed,
    limit,
    remaining: Math.max(0, Math.floor(limit - estimate)),
    resetSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  };
}

/** Counters outlive their two windows a little: the window is computed from the clock, the expiry is only cleanup. */
const GRACE_MS = 5000;

/** How many window counters one process keeps at most (past it, the oldest go first). */
const MAX_COUNTERS = 200_000;

/**
 * Window counters in the order they were created, with an expiry each. Past `max` keys the oldest counter goes
 * (a counter is created in its own window, so the oldest are the oldest windows); expired ones go when read and
 * are swept from the front as new ones arrive. Nothing is allocated up front (an LRU cache of 200 000 slots
 * allocates them all when made: about 100 ms of a start-up).
 */
export function windowCounters(max: number, now: () => number) {
  const entries = new Map<string, { n: number; expires: number }>();
  const sweep = (t: number) => {
    // A few per write: the front is the oldest, so the map never holds many expired entries for long.
    for (let i = 0; i < 4; i++) {
      const first = entries.entries().next();
      if (first.done || first.value[1].expires > t) return;
      entries.delete(first.value[0]);
    }
  };
  return {
    get(key: string): number | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires > now()) return entry.n;
      entries.delete(key);
      return undefined;
    },
    set(key: string, n: number, ttlMs: number): void {
      const t = now();
      const entry = entries.get(key);
      if (entry) {
        entry.n = n;
        entry.expires = t + ttlMs;
        return;
      }
      sweep(t);
      entries.set(key, { n, expires: t + ttlMs });
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
    delete(key: string): void {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}

export function memoryRateLimiter(now: () => number = () => Date.now()): RateLimiter {
  const counts = windowCounters(MAX_COUNTERS, now);
  const read = (key: string, windowSeconds: number) => {
    const windowMs = windowSeconds * 1000;
    const t = now();
    const start = Math.floor(t / windowMs) * windowMs;
    return { windowMs, elapsed: t - start, currKey: `${key}:${start}`, prevKey: `${key}:${start - windowMs}` };
  };
  return {
    hit: async (key, limit, windowSeconds) => {
      const w = read(key, windowSeconds);
      const curr = (counts.get(w.currKey) ?? 0) + 1;
      counts.set(w.currKey, curr, w.windowMs * 2 + GRACE_MS);
      return decide(counts.get(w.prevKey) ?? 0, curr, limit, w.windowMs, w.elapsed);
    },
    peek: async (key, limit, windowSeconds) => {
      const w = read(key, windowSeconds);
      return decide(counts.get(w.prevKey) ?? 0, (counts.get(w.currKey) ?? 0) + 1, limit, w.windowMs, w.elapsed);
    },
    reset: async (key, windowSeconds) => {
      const w = read(key, windowSeconds);
      counts.delete(w.currKey);
      counts.delete(w.prevKey);
    },
  };
}

// KEYS[1] current window, KEYS[2] previous window; ARGV[1] increment, ARGV[2] ttl ms. Returns {prev, curr}.
const HIT_SCRIPT = `
local curr
if tonumber(ARGV[1]) > 0 then
  curr = redis.call('INCRBY', KEYS[1], ARGV[1])
  if curr == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
else
  curr = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
return {prev, curr}`;

export function redisRateLimiter(redis: Redis, now: () => number = () => Date.now()): RateLimiter {
  const run = async (key: string, limit: number, windowSeconds: number, inc: number) => {
    const windowMs = windowSeconds * 1000;
    const t = now();
    const start = Math.floor(t / windowMs) * windowMs;
    const [prev, curr] = (await redis.eval(
      HIT_SCRIPT,
      2,
      `rl:${key}:${start}`,
      `rl:${key}:${start - windowMs}`,
      inc,
      windowMs * 2 + GRACE_MS,
    )) as [number, number];
    return decide(prev, inc ? curr : curr + 1, limit, windowMs, t - start);
  };
  return {
    hit: (key, limit, windowSeconds) => run(key, limit, windowSeconds, 1),
    peek: (key, limit, windowSeconds) => run(key, limit, windowSeconds, 0),
    reset: async (key, windowSeconds) => {
      const windowMs = windowSeconds * 1000;
      const start = Math.floor(now() / windowMs) * windowMs;
      await redis.del(`rl:${key}:${start}`, `rl:${key}:${start - windowMs}`);
    },
  };
}
