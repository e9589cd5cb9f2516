import type { Cache } from '../../platform/cache/cache.js';
import type { Db } from '../../platform/db/database.js';
import { accessRepository as repo } from './backoffice.access.repository.js';

export interface Scope {
  /** The partner the user owns. */
  owned: number | null;
  /** The partner the user is employed by. */
  employed: number | null;
}

/**
 * The partner each user owns or works for, read on every owner's and teacher's request: cached (shared through
 * Redis when configured) and forgotten by every write that changes it. A read racing such a write can keep the
 * old answer for at most `ttlSeconds`.
 */
export function createScopes(db: Db, cache: Cache, ttlSeconds: number) {
  const key = (userId: string) => `bo:scope:${userId}`;
  return {
    async of(userId: string): Promise<Scope> {
      const hit = await cache.get<Scope>(key(userId));
      if (hit) return hit;
      const scope = await repo.partnersOf(db, userId);
      await cache.set(key(userId), scope, ttlSeconds);
      return scope;
    },
    /** After a write that changes who owns or works for a partner. */
    async forget(userIds: (string | null | undefined)[]) {
      const ids = [...new Set(userIds.filter((id): id is string => Boolean(id)))];
      if (ids.length) await cache.del(...ids.map(key));
    },
  };
}

export type Scopes = ReturnType<typeof createScopes>;
