import { AppError } from '../../platform/errors.js';
import type { Db } from '../../platform/db/database.js';
import { apiKeyKey, sessionKeys, type CredentialCache } from './identity.credential-cache.js';
import { identityRepository as repo, type SessionRow, type UserRow } from './identity.repository.js';
import {
  sha256,
  type Actor,
  type IdentityDeps,
  type IssueOptions,
  type SessionMeta,
  type TokenPair,
} from './identity.types.js';

/** Sessions and tokens: sign-in sessions, access/refresh pairs, rotation with reuse detection, logout. */
export function sessionService(deps: IdentityDeps, creds: CredentialCache) {
  const { db, config, cache, clock, signer } = deps;
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  const after = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);

  async function startSession(user: UserRow, kind: 'token' | 'opaque', ttl: number, meta: SessionMeta) {
    const secret = kind === 'opaque' ? clock.token(32) : undefined;
    const session = await db.transaction(async (t) => {
      const tx = t as Db;
      const row = await repo.insertSession(tx, {
        id: clock.uuid(),
        userId: user.id,
        kind,
        secretHash: secret ? sha256(secret) : null,
        client: meta.client ?? 'idp',
        ipAddress: meta.ip ?? '',
        userAgent: (meta.userAgent ?? '').slice(0, 512),
        expiresAt: after(ttl),
      });
      await deps.jobs?.publish(tx, 'identity.session.started', {
        userId: user.id,
        sessionId: row.id,
        userAgent: row.userAgent,
        ip: row.ipAddress,
        at: clock.now().toISOString(),
      });
      return row;
    });
    await repo.updateUser(db, user.id, { lastLogin: clock.now() });
    return { session, secret };
  }

  async function accessClaims(user: UserRow, session: SessionRow, extra?: Record<string, unknown>) {
    const roles = await repo.rolesOfUser(db, user.id);
    return {
      sub: user.id,
      sid: session.id,
      jti: clock.uuid(),
      typ: 'Bearer',
      azp: session.client,
      roles: roles.map((r) => r.name),
      preferred_username: user.username,
      email: user.email,
      ...extra,
    };
  }

  async function signPair(user: UserRow, session: SessionRow, opts: IssueOptions): Promise<TokenPair> {
    const accessTtl = opts.accessTtl ?? config.ACCESS_TOKEN_TTL;
    const refreshTtl = opts.refreshTtl ?? config.REFRESH_TOKEN_TTL;
    const jti = clock.uuid();
    const now = nowSeconds();
    await repo.insertRefreshToken(db, { jti, sessionId: session.id, expiresAt: after(refreshTtl) });
    const accessToken = await signer.sign(
      await accessClaims(user, session, { scope: 'openid profile email', ...opts.accessClaims }),
      accessTtl,
      now,
    );
    const refreshToken = await signer.sign(
      { sub: user.id, sid: session.id, jti, typ: 'Refresh', azp: session.client, ...opts.refreshClaims },
      refreshTtl,
      now,
    );
    return { accessToken, refreshToken, accessTtl, refreshTtl, sessionId: session.id };
  }

  /**
   * A refresh token's claims, checked to be one and to belong to the endpoint family asking (identity's
   * /refresh, the wishlist's, the back office's): a token of another family is refused before it is used, so
   * a client that sends its token to the wrong door keeps it.
   */
  async function refreshClaims(refreshToken: string, client: string | undefined) {
    const claims = await signer.verify(refreshToken);
    if (claims.typ !== 'Refresh') throw new AppError('TOKEN_INVALID', 401, 'Token is not a refresh token');
    if ((claims.azp ?? 'idp') !== (client ?? 'idp')) {
      throw new AppError('TOKEN_INVALID', 401, 'Refresh token was not issued for this endpoint');
    }
    return claims;
  }

  /** The live session of a refresh token's row and its active user, or the 401 that says why not. */
  async function liveSessionOf(sessionId: string) {
    const session = await repo.sessionById(db, sessionId);
    if (!session || session.revokedAt || session.expiresAt <= clock.now()) {
      throw new AppError('SESSION_REVOKED', 401, 'Session has ended');
    }
    const user = await creds.liveUser(session.userId);
    if (!user) throw new AppError('USER_INACTIVE', 401, 'User is inactive');
    return { session, user };
  }

  return {
    /** Starts a token session: an access token and a refresh token of one new family. */
    async issueTokens(user: UserRow, opts: IssueOptions = {}): Promise<TokenPair> {
      const { session } = await startSession(user, 'token', opts.refreshTtl ?? config.REFRESH_TOKEN_TTL, opts);
      return signPair(user, session, opts);
    },

    /** Starts an opaque session (the messenger's session_id). */
    async openSession(user: UserRow, meta: SessionMeta & { ttl?: number } = {}) {
      const { session, secret } = await startSession(user, 'opaque', meta.ttl ?? config.SESSION_TTL, meta);
      return { sessionId: secret!, session };
    },

    /**
     * Rotates a refresh token of the `opts.client` family (default identity's). A token already used is a
     * replay: the whole session family ends.
     * Errors: TOKEN_INVALID / TOKEN_EXPIRED / TOKEN_REUSED / SESSION_REVOKED / USER_INACTIVE (all 401).
     */
    async refresh(refreshToken: string, opts: IssueOptions = {}): Promise<TokenPair> {
      const claims = await refreshClaims(refreshToken, opts.client);
      const now = clock.now();
      const used = await repo.useRefreshToken(db, claims.jti, now);
      if (!used) {
        const known = await repo.refreshTokenByJti(db, claims.jti);
        if (known?.usedAt) {
          await creds.revokeSessions(await repo.revokeSession(db, known.sessionId, 'refresh-token-reuse', now));
          throw new AppError('TOKEN_REUSED', 401, 'Refresh token was already used; the session has been ended');
        }
        throw new AppError('TOKEN_INVALID', 401, 'Refresh token is not valid');
      }
      const { session, user } = await liveSessionOf(used.sessionId);
      const refreshTtl = opts.refreshTtl ?? config.REFRESH_TOKEN_TTL;
      await repo.extendSession(db, session.id, after(refreshTtl), now);
      await cache.del(`idn:s:${session.id}`);
      return signPair(user, session, { ...opts, refreshTtl });
    },

    /**
     * A new access token from a refresh token, without rotating it (SimpleJWT's default, which wishlist
     * clients rely on: they keep one refresh token until it expires). The session must still be live.
     */
    async accessFromRefresh(
      refreshToken: string,
      opts: IssueOptions = {},
    ): Promise<{ accessToken: string; accessTtl: number }> {
      const claims = await refreshClaims(refreshToken, opts.client);
      const known = await repo.refreshTokenByJti(db, claims.jti);
      if (!known || known.usedAt) throw new AppError('TOKEN_INVALID', 401, 'Refresh token is not valid');
      const { session, user } = await liveSessionOf(known.sessionId);
      const accessTtl = opts.accessTtl ?? config.ACCESS_TOKEN_TTL;
      const accessToken = await signer.sign(
        await accessClaims(user, session, opts.accessClaims),
        accessTtl,
        nowSeconds(),
      );
      return { accessToken, accessTtl };
    },

    /** Ends the session a refresh token belongs to; it must be the caller's (when a caller is given). */
    async logoutByRefreshToken(refreshToken: string, actor?: Actor) {
      const claims = await signer.verify(refreshToken).catch(() => undefined);
      if (!claims || claims.typ !== 'Refresh' || (actor && claims.sub !== actor.userId)) {
        throw new AppError('INVALID_REFRESH_TOKEN', 400, 'Invalid refresh token');
      }
      await creds.revokeSessions(await repo.revokeSession(db, claims.sid, 'logout', clock.now()));
    },

    async endSession(sessionId: string, reason = 'logout') {
      await creds.revokeSessions(await repo.revokeSession(db, sessionId, reason, clock.now()));
    },

    /** Ends every session of a user, and revokes their API keys unless `keepApiKeys`. */
    async endAllSessions(userId: string, reason = 'logout-all', opts: { keepApiKeys?: boolean } = {}) {
      const now = clock.now();
      const revoked = await db.transaction(async (t) => {
        const tx = t as Db;
        return {
          sessions: await repo.revokeUserSessions(tx, userId, reason, now),
          keys: opts.keepApiKeys ? [] : await repo.revokeUserApiKeys(tx, userId, now),
        };
      });
      await creds.tombstone([
        ...revoked.sessions.flatMap(sessionKeys),
        ...revoked.keys.map((k) => apiKeyKey(k.keyHash)),
      ]);
    },

    listSessions: async (userId: string) => repo.liveSessionsOfUser(db, userId, clock.now()),

    async flushExpired() {
      const now = clock.now();
      return repo.flushExpired(db, now, new Date(now.getTime() - 24 * 3600 * 1000));
    },
  };
}
