import { notFound } from '../../platform/errors.js';
import { apiKeyKey, type CredentialCache } from './identity.credential-cache.js';
import { identityRepository as repo } from './identity.repository.js';
import { sha256, type IdentityDeps } from './identity.types.js';

/** API keys: opaque, shown once, stored hashed, revocable. */
export function apiKeyService({ db, cache, clock }: IdentityDeps, creds: CredentialCache) {
  return {
    /** Creates a key; the secret is returned once and only its hash is kept. `secret` is for demo data. */
    async createApiKey(userId: string, name: string, secret?: string) {
      const key = secret ?? `agora_${clock.token(32)}`;
      const row = await repo.insertApiKey(db, {
        id: clock.uuid(),
        userId,
        name,
        prefix: key.slice(0, 10),
        keyHash: sha256(key),
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
  };
}
