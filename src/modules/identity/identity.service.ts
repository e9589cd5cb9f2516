import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Jobs } from '../../platform/jobs/index.js';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors.js';
import { identityRepository as repo, type SessionRow, type UserRow } from './identity.repository.js';
import type { PasswordHasher } from './passwords.js';
import type { AccessClaims, TokenSigner } from './tokens.js';

export type CredentialKind = 'bearer' | 'cookie' | 'session' | 'apikey';

/** Who is calling, however they authenticated. Cached per credential; every module reads it. */
export interface Actor {
  userId: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  isSuperuser: boolean;
  roles: string[];
  permissions: string[];
  /** The login session (absent for API keys). */
  sessionId?: string;
  apiKeyId?: string;
  /** When the session ends (ms since epoch); a cached actor is never served past it. */
  expiresAt?: number;
  via: CredentialKind;
  /** Extra claims of the access token (modules issuing their own token flavours read them). */
  claims?: AccessClaims;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  accessTtl: number;
  refreshTtl: number;
  sessionId: string;
}

export interface SessionMeta {
  client?: string;
  ip?: string;
  userAgent?: string;
}

export interface IssueOptions extends SessionMeta {
  accessTtl?: number;
  refreshTtl?: number;
  /** Extra claims, e.g. SimpleJWT's token_type/user_id for the wishlist. */
  accessClaims?: Record<string, unknown>;
  refreshClaims?: Record<string, unknown>;
}

export const ADMIN_PERMISSION = 'identity.admin';
const REVOKED = { revoked: true } as const;
const EXPIRED = { revoked: true, expired: true } as const;
type CacheEntry = { actor: Omit<Actor, 'via' | 'claims'> } | { revoked: true; expired?: boolean };

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const isUniqueViolation = (err: unknown): string | undefined => {
  for (let e = err as { code?: string; constraint?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return e.constraint ?? 'unique';
  }
  return undefined;
};

export interface IdentityDeps {
  db: Db;
  config: Config;
  cache: Cache;
  clock: Clock;
  hasher: PasswordHasher;
  signer: TokenSigner;
  /** Where `identity.user.renamed` is published, in the transaction of the rename. */
  jobs?: Pick<Jobs, 'publish' | 'wake'>;
}

/** Django's normalize_email: the domain is case-insensitive, the local part is kept as given. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim();
  const at = email.lastIndexOf('@');
  return at < 0 ? email : `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
}

export function createIdentityService(deps: IdentityDeps) {
  const { db, config, cache, clock, hasher, signer } = deps;
  const cacheTtl = config.SESSION_CACHE_TTL;
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);
  const after = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);

  async function buildActor(
    user: UserRow,
    extra: Pick<Actor, 'sessionId' | 'apiKeyId' | 'expiresAt'>,
  ): Promise<CacheEntry> {
    const roles = await repo.rolesOfUser(db, user.id);
    return {
      actor: {
        userId: user.id,
        username: user.username,
        email: user.email,
        emailVerified: user.emailVerified,
        isSuperuser: user.isSuperuser,
        roles: roles.map((r) => r.name),
        permissions: [...new Set(roles.flatMap((r) => r.permissions))].sort(),
        ...extra,
      },
    };
  }

  /** Marks credentials revoked in the cache, so every instance sharing it rejects them on the next request. */
  async function tombstone(keys: string[]) {
    await Promise.all(keys.map((k) => cache.set(k, REVOKED, Math.max(cacheTtl, 1) * 2)));
  }
  const sessionKeys = (s: { id: string; secretHash: string | null }) =>
    s.secretHash ? [`idn:s:${s.id}`, `idn:o:${s.secretHash}`] : [`idn:s:${s.id}`];

  /** Forgets cached actors of a user (after a change to roles, name or status) without revoking them. */
  async function forgetUser(userId: string) {
    const creds = await repo.credentialsOfUser(db, userId);
    const keys = [...creds.sessions.flatMap(sessionKeys), ...creds.keys.map((k) => `idn:k:${k.keyHash}`)];
    if (keys.length) await cache.del(...keys);
  }

  async function resolveCached(key: string, load: () => Promise<CacheEntry | undefined>, via: CredentialKind) {
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
  }

  async function liveUser(userId: string): Promise<UserRow | undefined> {
    const user = await repo.userById(db, userId);
    return user?.isActive ? user : undefined;
  }

  async function startSession(user: UserRow, kind: 'token' | 'opaque', ttl: number, meta: SessionMeta) {
    const secret = kind === 'opaque' ? clock.token(32) : undefined;
    const session = await repo.insertSession(db, {
      id: clock.uuid(),
      userId: user.id,
      kind,
      secretHash: secret ? sha256(secret) : null,
      client: meta.client ?? 'idp',
      ipAddress: meta.ip ?? '',
      userAgent: (meta.userAgent ?? '').slice(0, 512),
      expiresAt: after(ttl),
    });
    await repo.updateUser(db, user.id, { lastLogin: clock.now() });
    return { session, secret };
  }

  async function signPair(user: UserRow, session: SessionRow, opts: IssueOptions): Promise<TokenPair> {
    const accessTtl = opts.accessTtl ?? config.ACCESS_TOKEN_TTL;
    const refreshTtl = opts.refreshTtl ?? config.REFRESH_TOKEN_TTL;
    const roles = await repo.rolesOfUser(db, user.id);
    const jti = clock.uuid();
    const now = nowSeconds();
    await repo.insertRefreshToken(db, { jti, sessionId: session.id, expiresAt: after(refreshTtl) });
    const accessToken = await signer.sign(
      {
        sub: user.id,
        sid: session.id,
        jti: clock.uuid(),
        typ: 'Bearer',
        azp: session.client,
        scope: 'openid profile email',
        roles: roles.map((r) => r.name),
        preferred_username: user.username,
        email: user.email,
        ...opts.accessClaims,
      },
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

  async function revokeSessions(rows: { id: string; secretHash: string | null }[]) {
    await tombstone(rows.flatMap(sessionKeys));
  }

  const service = {
    // ---- accounts -------------------------------------------------------------------------------
    async register(input: {
      username: string;
      password: string;
      email?: string | null;
      firstName?: string;
      lastName?: string;
      isSuperuser?: boolean;
      emailVerified?: boolean;
    }): Promise<UserRow> {
      const email = input.email ? normalizeEmail(input.email) : null;
      const passwordHash = await hasher.hash(input.password);
      try {
        return await repo.insertUser(db, {
          id: clock.uuid(),
          username: input.username,
          email,
          passwordHash,
          firstName: input.firstName ?? '',
          lastName: input.lastName ?? '',
          isSuperuser: input.isSuperuser ?? false,
          emailVerified: input.emailVerified ?? false,
        });
      } catch (err) {
        const constraint = isUniqueViolation(err);
        if (constraint?.includes('email'))
          throw new AppError('EMAIL_TAKEN', 409, 'A user with that email already exists.');
        if (constraint) throw new AppError('USERNAME_TAKEN', 409, 'A user with that username already exists.');
        throw err;
      }
    },

    /** Checks a password login; the same answer (and about the same time) whatever is wrong. */
    async authenticate(login: string, password: string): Promise<UserRow> {
      const user = login ? await repo.userByLogin(db, login) : undefined;
      const ok = await hasher.verify(user?.passwordHash ?? null, password);
      if (!user || !ok || !user.isActive) {
        throw new AppError('INVALID_CREDENTIALS', 401, 'Invalid user credentials');
      }
      return user;
    },

    getUser: async (id: string) => repo.userById(db, id),
    getUserByUsername: async (username: string) => repo.userByUsername(db, username),

    async updateProfile(
      userId: string,
      patch: { username?: string; email?: string | null; firstName?: string; lastName?: string },
    ): Promise<UserRow> {
      try {
        const email = patch.email === undefined ? undefined : patch.email ? normalizeEmail(patch.email) : null;
        const { username, firstName, lastName } = patch;
        const changes = { username, firstName, lastName, email, updatedAt: clock.now() };
        // A new username is announced with the change itself: modules that show names (the microblog) refresh them.
        const row = await db.transaction(async (t) => {
          const tx = t as Db;
          const before = username === undefined ? undefined : await repo.userById(tx, userId);
          const updated = await repo.updateUser(tx, userId, changes);
          if (updated && before && before.username !== updated.username)
            await deps.jobs?.publish(tx, 'identity.user.renamed', { userId, username: updated.username });
          return updated;
        });
        if (!row) throw notFound();
        deps.jobs?.wake();
        await forgetUser(userId);
        return row;
      } catch (err) {
        const constraint = isUniqueViolation(err);
        if (constraint?.includes('email'))
          throw new AppError('EMAIL_TAKEN', 409, 'A user with that email already exists.');
        if (constraint) throw new AppError('USERNAME_TAKEN', 409, 'A user with that username already exists.');
        throw err;
      }
    },

    async listUsers(opts: { page: number; size: number; search?: string }) {
      return repo.listUsers(db, { offset: (opts.page - 1) * opts.size, limit: opts.size, search: opts.search });
    },

    /** Deactivates an account everywhere: every session and key stops working at once. */
    async deactivate(userId: string) {
      const user = await repo.updateUser(db, userId, { isActive: false, updatedAt: clock.now() });
      if (!user) throw notFound();
      const creds = await repo.credentialsOfUser(db, userId);
      await repo.revokeUserSessions(db, userId, 'deactivated', clock.now());
      await tombstone([...creds.sessions.flatMap(sessionKeys), ...creds.keys.map((k) => `idn:k:${k.keyHash}`)]);
    },

    async changePassword(actor: Actor, oldPassword: string, newPassword: string) {
      const user = await repo.userById(db, actor.userId);
      if (!user || !(await hasher.verify(user.passwordHash, oldPassword))) {
        throw new AppError('INVALID_PASSWORD', 400, 'Invalid current password');
      }
      await repo.updateUser(db, user.id, { passwordHash: await hasher.hash(newPassword), updatedAt: clock.now() });
      await revokeSessions(
        await repo.revokeUserSessions(db, user.id, 'password-changed', clock.now(), actor.sessionId),
      );
    },

    async setPassword(userId: string, password: string) {
      await repo.updateUser(db, userId, { passwordHash: await hasher.hash(password), updatedAt: clock.now() });
    },

    // ---- sessions and tokens ----------------------------------------------------------------------
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
     * Rotates a refresh token. A token already used is a replay: the whole session family ends.
     * Errors: TOKEN_INVALID / TOKEN_EXPIRED / TOKEN_REUSED / SESSION_REVOKED / USER_INACTIVE (all 401).
     */
    async refresh(refreshToken: string, opts: IssueOptions = {}): Promise<TokenPair> {
      const claims = await signer.verify(refreshToken);
      if (claims.typ !== 'Refresh') throw new AppError('TOKEN_INVALID', 401, 'Token is not a refresh token');
      const now = clock.now();
      const used = await repo.useRefreshToken(db, claims.jti, now);
      if (!used) {
        const known = await repo.refreshTokenByJti(db, claims.jti);
        if (known?.usedAt) {
          await revokeSessions(await repo.revokeSession(db, known.sessionId, 'refresh-token-reuse', now));
          throw new AppError('TOKEN_REUSED', 401, 'Refresh token was already used; the session has been ended');
        }
        throw new AppError('TOKEN_INVALID', 401, 'Refresh token is not valid');
      }
      const session = await repo.sessionById(db, used.sessionId);
      if (!session || session.revokedAt || session.expiresAt <= now) {
        throw new AppError('SESSION_REVOKED', 401, 'Session has ended');
      }
      const user = await liveUser(session.userId);
      if (!user) throw new AppError('USER_INACTIVE', 401, 'User is inactive');
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
      const claims = await signer.verify(refreshToken);
      if (claims.typ !== 'Refresh') throw new AppError('TOKEN_INVALID', 401, 'Token is not a refresh token');
      const known = await repo.refreshTokenByJti(db, claims.jti);
      if (!known || known.usedAt) throw new AppError('TOKEN_INVALID', 401, 'Refresh token is not valid');
      const session = await repo.sessionById(db, known.sessionId);
      if (!session || session.revokedAt || session.expiresAt <= clock.now()) {
        throw new AppError('SESSION_REVOKED', 401, 'Session has ended');
      }
      const user = await liveUser(session.userId);
      if (!user) throw new AppError('USER_INACTIVE', 401, 'User is inactive');
      const accessTtl = opts.accessTtl ?? config.ACCESS_TOKEN_TTL;
      const roles = await repo.rolesOfUser(db, user.id);
      const accessToken = await signer.sign(
        {
          sub: user.id,
          sid: session.id,
          jti: clock.uuid(),
          typ: 'Bearer',
          azp: session.client,
          roles: roles.map((r) => r.name),
          preferred_username: user.username,
          email: user.email,
          ...opts.accessClaims,
        },
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
      await revokeSessions(await repo.revokeSession(db, claims.sid, 'logout', clock.now()));
    },

    async endSession(sessionId: string, reason = 'logout') {
      await revokeSessions(await repo.revokeSession(db, sessionId, reason, clock.now()));
    },

    async endAllSessions(userId: string, reason = 'logout-all') {
      await revokeSessions(await repo.revokeUserSessions(db, userId, reason, clock.now()));
    },

    listSessions: async (userId: string) => repo.liveSessionsOfUser(db, userId, clock.now()),

    async flushExpired() {
      const now = clock.now();
      return repo.flushExpired(db, now, new Date(now.getTime() - 24 * 3600 * 1000));
    },

    // ---- credential resolution (no database query while cached) -------------------------------------
    async resolveAccessToken(token: string, via: CredentialKind = 'bearer'): Promise<Actor> {
      const claims = await signer.verify(token);
      if (claims.typ === 'Refresh') throw new AppError('TOKEN_INVALID', 401, 'A refresh token cannot be used here');
      const actor = await resolveCached(
        `idn:s:${claims.sid}`,
        async () => {
          const session = await repo.touchLiveSession(db, { id: claims.sid }, clock.now());
          const user = session && (await liveUser(session.userId));
          return user && session.userId === claims.sub
            ? buildActor(user, { sessionId: session.id, expiresAt: session.expiresAt.getTime() })
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
      const actor = await resolveCached(
        `idn:o:${hash}`,
        async () => {
          const session = await repo.touchLiveSession(db, { secretHash: hash }, clock.now());
          if (!session) {
            const dead = await repo.sessionBySecretHash(db, hash);
            return dead && !dead.revokedAt ? EXPIRED : undefined;
          }
          const user = await liveUser(session.userId);
          return user ? buildActor(user, { sessionId: session.id, expiresAt: session.expiresAt.getTime() }) : undefined;
        },
        'session',
      );
      if (actor === 'expired') throw new AppError('SESSION_EXPIRED', 401, 'Session has expired');
      if (!actor) throw new AppError('SESSION_INVALID', 401, 'Session is not valid');
      return actor;
    },

    async resolveApiKey(key: string): Promise<Actor> {
      const hash = sha256(key);
      const actor = await resolveCached(
        `idn:k:${hash}`,
        async () => {
          const row = await repo.apiKeyByHash(db, hash);
          const user = row && (await liveUser(row.userId));
          if (!user) return undefined;
          await repo.touchApiKey(db, row.id, clock.now());
          return buildActor(user, { apiKeyId: row.id });
        },
        'apikey',
      );
      if (!actor || actor === 'expired') throw new AppError('API_KEY_INVALID', 401, 'API key is not valid');
      return actor;
    },

    // ---- API keys ---------------------------------------------------------------------------------
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
      await cache.del(`idn:k:${row.keyHash}`);
      return { row, key };
    },
    hasApiKey: async (secret: string) => Boolean(await repo.apiKeyByHash(db, sha256(secret))),
    listApiKeys: async (userId: string) => repo.apiKeysOfUser(db, userId),
    async revokeApiKey(userId: string, id: string) {
      const row = await repo.revokeApiKey(db, id, userId, clock.now());
      if (!row) throw notFound('API key not found');
      await tombstone([`idn:k:${row.keyHash}`]);
    },

    // ---- roles ------------------------------------------------------------------------------------
    listRoles: async () => repo.listRoles(db),
    rolesOfUser: async (userId: string) => repo.rolesOfUser(db, userId),
    async createRole(input: { name: string; description?: string; permissions?: string[] }) {
      try {
        return await repo.insertRole(db, {
          id: clock.uuid(),
          name: input.name,
          description: input.description ?? '',
          permissions: input.permissions ?? [],
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict('A role with that name already exists.');
        throw err;
      }
    },
    async ensureRole(input: { name: string; description?: string; permissions?: string[] }) {
      const existing = await repo.roleByName(db, input.name);
      if (existing) {
        if (input.permissions) return (await repo.updateRole(db, existing.id, { permissions: input.permissions }))!;
        return existing;
      }
      return service.createRole(input);
    },
    async updateRole(id: string, patch: { description?: string; permissions?: string[] }) {
      const changes = Object.fromEntries(
        Object.entries({ description: patch.description, permissions: patch.permissions }).filter(
          ([, v]) => v !== undefined,
        ),
      );
      const row = Object.keys(changes).length ? await repo.updateRole(db, id, changes) : await repo.roleById(db, id);
      if (!row) throw notFound('Role not found');
      for (const userId of await repo.userIdsWithRole(db, id)) await forgetUser(userId);
      return row;
    },
    async deleteRole(id: string) {
      const members = await repo.userIdsWithRole(db, id);
      if (!(await repo.deleteRole(db, id))) throw notFound('Role not found');
      for (const userId of members) await forgetUser(userId);
    },
    async assignRole(roleId: string, userIds: string[]) {
      if (!(await repo.roleById(db, roleId))) throw notFound('Role not found');
      const unique = [...new Set(userIds)];
      const known = await repo.existingUserIds(db, unique);
      const missing = unique.filter((id) => !known.includes(id));
      if (missing.length) throw notFound(`User not found: ${missing.join(', ')}`);
      if (unique.length) await repo.assignRole(db, roleId, unique);
      for (const userId of unique) await forgetUser(userId);
    },
    async unassignRole(roleId: string, userId: string) {
      if (!(await repo.roleById(db, roleId))) throw notFound('Role not found');
      await repo.unassignRole(db, roleId, userId);
      await forgetUser(userId);
    },

    /** Creates or updates a superuser (CLI, SUPERUSER_* variables). */
    async ensureSuperuser(input: { username: string; email?: string; password: string }) {
      const existing = await repo.userByUsername(db, input.username);
      if (existing) {
        await repo.updateUser(db, existing.id, {
          isSuperuser: true,
          isActive: true,
          passwordHash: await hasher.hash(input.password),
          ...(input.email ? { email: normalizeEmail(input.email) } : {}),
        });
        await forgetUser(existing.id);
        return { user: (await repo.userById(db, existing.id))!, created: false };
      }
      return { user: await service.register({ ...input, isSuperuser: true, emailVerified: true }), created: true };
    },
  };
  return service;
}

export type IdentityService = ReturnType<typeof createIdentityService>;

export const isAdmin = (actor: Actor) => actor.isSuperuser || actor.permissions.includes(ADMIN_PERMISSION);

export function requireAdmin(actor: Actor) {
  if (!isAdmin(actor)) throw forbidden('Admin role required');
}
