import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryCache, redisCache, type Cache } from './cache.js';

const redis = process.env.TEST_REDIS_URL
  ? new Redis(process.env.TEST_REDIS_URL, { keyPrefix: `cache-test:${process.pid}:${Date.now()}:` })
  : undefined;
afterAll(() => redis?.disconnect());
const stores: [string, () => Cache][] = [['memory', () => memoryCache()]];
if (redis) stores.push(['redis', () => redisCache(redis)]);

describe.each(stores)('cache (%s)', (_name, make) => {
  it('stores JSON values until their TTL and deletes on demand', async () => {
    const cache = make();
    await cache.set('a', { n: 1, s: ['x'] }, 0.2);
    await cache.set('b', 'two', 60);
    expect(await cache.get('a')).toEqual({ n: 1, s: ['x'] });
    await new Promise((r) => setTimeout(r, 300));
    expect(await cache.get('a')).toBeUndefined();
    await cache.del('b');
    expect(await cache.get('b')).toBeUndefined();
  });
});
