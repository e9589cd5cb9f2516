import { AppError } from '../../platform/errors.js';
import { apiKeyKey, EXPIRED, type CredentialCache } from './identity.credential-cache.js';
import { identityRepository as repo } from './identity.repository.js';
import { sha256, type Actor, type CredentialKind, type IdentityDeps } from './identity.types.js';

/** Credential resolution: access tokens, opaque session ids and API keys to an Actor (no query while cached). */
export function resolutionService({ db, clock, signer }: IdentityDeps, creds: CredentialCache) {
  return {
    async resolveAccessToken(token: string, via: CredentialKind = 'bearer'): Promise<Actor> {
      const claims = await signer.verify(token);
      if (claims.typ === 'Refresh') throw new AppError('TOKEN_INVALID', 401, 'A refresh token cannot be used here');
      const actor = await creds.resolveCached(
        `idn:s:${claims.sid}`,
        async () => {
          const session = await repo.touchLiveSession(db, { id: claims.sid }, clock.now());
          const user = session && (await creds.liveUser(session.userId));
          return user && session.userId === claims.sub
            ? creds.buildActor(user, { sessionId: session.id, expiresAt: session.expiresAt.getTime() })
            : undefined;
        },
        via,
      );
      if (!actor || actor === 'expired' || actor.userId !== claims.sub) {
        throw new AppError('SESSION_REVOKED', 401, 'Session has ended');
      }
      return { ...actor, claims };
    },

    async resolveSessionId(secret: string): Promise<Actor> {
      const hash = sha256(secret);
      const actor = await creds.resolveCached(
        `idn:o:${hash}`,
        async () => {
          const session = await repo.touchLiveSession(db, { secretHash: hash }, clock.now());
          if (!session) {
            const dead = await repo.sessionBySecretHash(db, hash);
            return dead && !dead.revokedAt ? EXPIRED : undefined;
          }
          const user = await creds.liveUser(session.userId);
          return user
            ? creds.buildActor(user, { sessionId: session.id, expiresAt: session.expiresAt.getTime() })
            : undefined;
        },
        'session',
      );
      if (actor === 'expired') throw new AppError('SESSION_EXPIRED', 401, 'Session has expired');
      if (!actor) throw new AppError('SESSION_INVALID', 401, 'Session is not valid');
      return actor;
    },

    async resolveApiKey(key: string): Promise<Actor> {
      const hash = sha256(key);
      const actor = await creds.resolveCached(
        apiKeyKey(hash),
        async () => {
          const row = await repo.apiKeyByHash(db, hash);
          const user = row && (await creds.liveUser(row.userId));
          if (!user) return undefined;
          await repo.touchApiKey(db, row.id, clock.now());
          return creds.buildActor(user, { apiKeyId: row.id, scopes: row.scopes });
        },
        'apikey',
      );
      if (!actor || actor === 'expired') throw new AppError('API_KEY_INVALID', 401, 'API key is not valid');
      return actor;
    },
  };
}
