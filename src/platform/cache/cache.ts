import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/** Key-value cache with per-entry TTL. Values are JSON-serialisable. */
export interface Cache {
  readonly kind: 'memory' | 'redis';
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function memoryCache(max = 50_000): Cache {
  const lru = new LRUCache<string, { v: unknown }>({ max, ttlAutopurge: false });
  return {
    kind: 'memory',
    get: async <T>(key: string) => lru.get(key)?.v as T | undefined,
    set: async (key, value, ttlSeconds) => {
      lru.set(key, { v: value }, { ttl: Math.max(1, Math.round(ttlSeconds * 1000)) });
    },
    del: async (...keys) => {
      for (const k of keys) lru.delete(k);
    },
    ping: async () => undefined,
    close: async () => lru.clear(),
  };
}

export function redisCache(redis: Redis): Cache {
  return {
    kind: 'redis',
    get: async <T>(key: string) => {
      const raw = await redis.get(`c:${key}`);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    set: async (key, value, ttlSeconds) => {
      await redis.set(`c:${key}`, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlSeconds * 1000)));
    },
    del: async (...keys) => {
      if (keys.length) await redis.del(...keys.map((k) => `c:${k}`));
    },
    ping: async () => {
      await redis.ping();
    },
    close: async () => undefined,
  };
}

/**
 * One Redis connection per process, shared by the cache and the rate limiter; prefixed keys. The client is
 * loaded only when Redis is configured.
 */
export async function connectRedis(url: string, prefix: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  return new Redis(url, {
    keyPrefix: prefix,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
}
