import { randomBytes } from 'node:crypto';
import type { Cache } from '../../platform/cache/cache.js';

const VERSION_KEY = 'cinema:catalogue:v';
const VERSION_TTL = 7 * 24 * 3600;

/**
 * The module's read cache. Catalogue entries live under a catalogue version: an admin write can change any
 * list or search result (a title, a link, a rating), so it moves the version and every catalogue entry goes at
 * once. A film's reviews live under that film's own version, moved by a review or reaction on that film only.
 * Ratings and bookmarks are never cached: they are read with the page in one statement, so a user's write shows
 * on the next read. A lost version key gets a fresh random one, so an entry of an older version is never reused.
 */
export function cinemaCache(cache: Cache, ttlSeconds: number) {
  const fresh = () => randomBytes(6).toString('base64url');
  const versionOf = async (key: string) => {
    const v = await cache.get<string>(key);
    if (v) return v;
    const next = fresh();
    await cache.set(key, next, VERSION_TTL);
    return next;
  };
  const bump = (key: string) => cache.set(key, fresh(), VERSION_TTL);

  async function through<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (ttlSeconds <= 0) return load();
    const hit = await cache.get<{ v: T }>(key);
    if (hit) return hit.v;
    const value = await load();
    await cache.set(key, { v: value }, ttlSeconds);
    return value;
  }

  return {
    ttlSeconds,
    /** A catalogue read, keyed by what it depends on (route and full query). */
    async catalogue<T>(key: string, load: () => Promise<T>): Promise<T> {
      if (ttlSeconds <= 0) return load();
      return through(`cinema:c:${await versionOf(VERSION_KEY)}:${key}`, load);
    },
    /** A film's reviews page. */
    async reviews<T>(filmId: string, key: string, load: () => Promise<T>): Promise<T> {
      if (ttlSeconds <= 0) return load();
      return through(`cinema:r:${filmId}:${await versionOf(`cinema:reviews:v:${filmId}`)}:${key}`, load);
    },
    catalogueChanged: () => bump(VERSION_KEY),
    reviewsChanged: (filmId: string) => bump(`cinema:reviews:v:${filmId}`),
  };
}
export type CinemaCache = ReturnType<typeof cinemaCache>;
