import { identityRepository as repo, type UserRow } from './identity.repository.js';
import { ADMIN_SCOPE } from './identity.scopes.js';
import type { Actor, CredentialKind, IdentityDeps } from './identity.types.js';

/**
 * The resolved-credential cache, shared by every instance through the platform cache (Redis when configured).
 * A credential maps to its actor, or to a tombstone once revoked, so revocation takes effect on the next
 * request everywhere without a database query per request.
 */
export type CacheEntry = { actor: Omit<Actor, 'via' | 'claims'> } | { revoked: true; expired?: boolean };

export const REVOKED = { revoked: true } as const;
export const EXPIRED = { revoked: true, expired: true } as const;

export const sessionKeys = (s: { id: string; secretHash: string | null }) =>
  s.secretHash ? [`idn:s:${s.id}`, `idn:o:${s.secretHash}`] : [`idn:s:${s.id}`];
export const apiKeyKey = (keyHash: string) => `idn:k:${keyHash}`;

export function credentialCache({ db, config, cache, clock }: IdentityDeps) {
  const cacheTtl = config.SESSION_CACHE_TTL;
  const sessionsEnded: ((sessionIds: string[]) => Promise<void>)[] = [];

  /** Every revocation passes here; listeners hear of ended sessions (the OpenID provider ends their grants). */
  async function tombstone(keys: string[]) {
    await Promise.all(keys.map((k) => cache.set(k, REVOKED, Math.max(cacheTtl, 1) * 2)));
    const ended = keys.filter((k) => k.startsWith('idn:s:')).map((k) => k.slice('idn:s:'.length));
    if (ended.length) for (const listener of sessionsEnded) await listener(ended);
  }

  return {
    async buildActor(
      user: UserRow,
      extra: Pick<Actor, 'sessionId' | 'apiKeyId' | 'scopes' | 'expiresAt'>,
    ): Promise<CacheEntry> {
      const roles = await repo.rolesOfUser(db, user.id);
      // An API key holds its owner's admin rights (superuser, permissions) only when granted the admin scope.
      const privileged = !extra.scopes || extra.scopes.includes(ADMIN_SCOPE);
      return {
        actor: {
          userId: user.id,
          username: user.username,
          email: user.email,
          emailVerified: user.emailVerified,
          isSuperuser: privileged && user.isSuperuser,
          roles: roles.map((r) => r.name),
          permissions: privileged ? [...new Set(roles.flatMap((r) => r.permissions))].sort() : [],
          ...extra,
        },
      };
    },

    /** Marks credentials revoked in the cache, so every instance sharing it rejects them on the next request. */
    tombstone,

    /** Calls `listener` with the ids of sessions once they are revoked (logout, password change, deactivation…). */
    onSessionsEnded(listener: (sessionIds: string[]) => Promise<void>) {
      sessionsEnded.push(listener);
    },

    /** Tombstones revoked sessions (rows as the repository's revoke statements return them). */
    async revokeSessions(rows: { id: string; secretHash: string | null }[]) {
      await tombstone(rows.flatMap(sessionKeys));
    },

    /** Forgets cached actors of a user (after a change to roles, name or status) without revoking them. */
    async forgetUser(userId: string) {
      const creds = await repo.credentialsOfUser(db, userId);
      const keys = [...creds.sessions.flatMap(sessionKeys), ...creds.keys.map((k) => apiKeyKey(k.keyHash))];
      if (keys.length) await cache.del(...keys);
    },

    async resolveCached(key: string, load: () => Promise<CacheEntry | undefined>, via: CredentialKind) {
      let entry = await cache.get<CacheEntry>(key);
      if (!entry) {
        entry = (await load()) ?? REVOKED;
        const left =
          'actor' in entry && entry.actor.expiresAt ? (entry.actor.expiresAt - clock.now().getTime()) / 1000 : cacheTtl;
        await cache.set(key, entry, Math.max(1, Math.min(cacheTtl, left)));
      }
      if ('revoked' in entry) return entry.expired ? ('expired' as const) : undefined;
      if (entry.actor.expiresAt && entry.actor.expiresAt <= clock.now().getTime()) return 'expired' as const;
      return { ...entry.actor, via } as Actor;
    },

    async liveUser(userId: string): Promise<UserRow | undefined> {
      const user = await repo.userById(db, userId);
      return user?.isActive ? user : undefined;
    },
  };
}

export type CredentialCache = ReturnType<typeof credentialCache>;
