import { notFound } from '../../platform/errors.js';
import { apiKeyKey, type CredentialCache } from './identity.credential-cache.js';
import { identityRepository as repo } from './identity.repository.js';
import { DEFAULT_SCOPES, parseScopes } from './identity.scopes.js';
import { sha256, type IdentityDeps } from './identity.types.js';

/** API keys: opaque, shown once, stored hashed, scoped, revocable. */
export function apiKeyService({ db, cache, clock }: IdentityDeps, creds: CredentialCache) {
  return {
    /**
     * Creates a key; the secret is returned once and only its hash is kept. `secret` is for demo data. Scopes
     * default to every module (read and write) without admin rights; callers check who may grant `admin`.
     */
    async createApiKey(userId: string, name: string, opts: { secret?: string; scopes?: string[] } = {}) {
      const key = opts.secret ?? `agora_${clock.token(32)}`;
      const row = await repo.insertApiKey(db, {
        id: clock.uuid(),
        userId,
        name,
        prefix: key.slice(0, 10),
        keyHash: sha256(key),
        scopes: parseScopes(opts.scopes ?? DEFAULT_SCOPES),
      });
      await cache.del(apiKeyKey(row.keyHash));
      return { row, key };
    },
    hasApiKey: async (secret: string) => Boolean(await repo.apiKeyByHash(db, sha256(secret))),
    listApiKeys: async (userId: string) => repo.apiKeysOfUser(db, userId),
    async revokeApiKey(userId: string, id: string) {
      const row = await repo.revokeApiKey(db, id, userId, clock.now());
      if (!row) throw notFound('API key not found');
      await creds.tombstone([apiKeyKey(row.keyHash)]);
    },
    /** Revokes every key of a user (password change, logout everywhere, unless the user keeps them). */
    async revokeAllApiKeys(userId: string) {
      const rows = await repo.revokeUserApiKeys(db, userId, clock.now());
      await creds.tombstone(rows.map((r) => apiKeyKey(r.keyHash)));
    },
  };
}
