import { and, asc, eq, gt, ilike, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { apiKeys, refreshTokens, roles, sessions, userRoles, users } from './identity.tables.js';

export type UserRow = typeof users.$inferSelect;
export type RoleRow = typeof roles.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type NewSession = typeof sessions.$inferInsert;

/** Every SQL statement of identity. Each function takes the executor, so services decide the transaction. */
export const identityRepository = {
  insertUser: async (db: Db, values: NewUser) => (await db.insert(users).values(values).returning())[0]!,

  userById: async (db: Db, id: string) => (await db.select().from(users).where(eq(users.id, id)))[0],

  /** Usernames are unique case-insensitively, so this finds at most one account. */
  userByUsername: async (db: Db, username: string) =>
    (
      await db
        .select()
        .from(users)
        .where(sql`lower(${users.username}) = ${username.toLowerCase()}`)
    )[0],

  /**
   * Login by username or by email, both case-insensitive. An email match wins over a username match: a
   * username spelled like someone's email (from before such names were refused) cannot capture their sign-in.
   */
  userByLogin: async (db: Db, login: string) =>
    (
      await db
        .select()
        .from(users)
        .where(
          or(
            sql`lower(${users.username}) = ${login.toLowerCase()}`,
            sql`lower(${users.email}) = ${login.toLowerCase()}`,
          ),
        )
        .orderBy(sql`lower(${users.email}) = ${login.toLowerCase()} desc nulls last`)
        .limit(1)
    )[0],

  /**
   * Which of a new or changed username and email another account already signs in with the other way round
   * (a username equal to someone's email, or an email equal to someone's username), case-insensitively.
   */
  crossTaken: async (db: Db, v: { username?: string; email?: string | null }, exceptId?: string) => {
    const checks = [
      v.username ? sql`lower(${users.email}) = ${v.username.toLowerCase()}` : undefined,
      v.email ? sql`lower(${users.username}) = ${v.email.toLowerCase()}` : undefined,
    ].filter((c) => c !== undefined);
    if (!checks.length) return undefined;
    const rows = await db
      .select({ username: users.username, email: users.email })
      .from(users)
      .where(and(or(...checks), exceptId ? ne(users.id, exceptId) : undefined))
      .limit(2);
    if (v.username && rows.some((r) => r.email?.toLowerCase() === v.username!.toLowerCase())) return 'username';
    if (v.email && rows.some((r) => r.username.toLowerCase() === v.email!.toLowerCase())) return 'email';
    return undefined;
  },

  updateUser: async (db: Db, id: string, patch: Partial<NewUser>) =>
    (await db.update(users).set(patch).where(eq(users.id, id)).returning())[0],

  listUsers: async (db: Db, opts: { offset: number; limit: number; search?: string }) => {
    const term = opts.search ? `%${opts.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
    return db
      .select()
      .from(users)
      .where(
        term
          ? or(
              ilike(users.username, term),
              ilike(users.email, term),
              ilike(users.firstName, term),
              ilike(users.lastName, term),
            )
          : undefined,
      )
      .orderBy(asc(users.username))
      .offset(opts.offset)
      .limit(opts.limit);
  },

  existingUserIds: async (db: Db, ids: string[]) =>
    (await db.select({ id: users.id }).from(users).where(inArray(users.id, ids))).map((r) => r.id),

  rolesOfUser: async (db: Db, userId: string) =>
    db
      .select({
        id: roles.id,
        name: roles.name,
        description: roles.description,
        permissions: roles.permissions,
        createdAt: roles.createdAt,
      })
      .from(userRoles)
      .innerJoin(roles, eq(roles.id, userRoles.roleId))
      .where(eq(userRoles.userId, userId))
      .orderBy(asc(roles.name)),

  insertSession: async (db: Db, values: NewSession) => (await db.insert(sessions).values(values).returning())[0]!,

  /** The session row if it is neither revoked nor expired; bumps its last access. */
  touchLiveSession: async (db: Db, where: { id?: string; secretHash?: string }, now: Date) =>
    (
      await db
        .update(sessions)
        .set({ lastAccessAt: now })
        .where(
          and(
            where.id ? eq(sessions.id, where.id) : eq(sessions.secretHash, where.secretHash!),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, now),
          ),
        )
        .returning()
    )[0],

  sessionBySecretHash: async (db: Db, secretHash: string) =>
    (await db.select().from(sessions).where(eq(sessions.secretHash, secretHash)))[0],

  sessionById: async (db: Db, id: string) => (await db.select().from(sessions).where(eq(sessions.id, id)))[0],

  extendSession: async (db: Db, id: string, expiresAt: Date, now: Date) =>
    db.update(sessions).set({ expiresAt, lastAccessAt: now }).where(eq(sessions.id, id)),

  revokeSession: async (db: Db, id: string, reason: string, now: Date) =>
    db
      .update(sessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id, secretHash: sessions.secretHash }),

  revokeUserSessions: async (db: Db, userId: string, reason: string, now: Date, exceptId?: string) =>
    db
      .update(sessions)
      .set({ revokedAt: now, revokedReason: reason })
      .where(
        and(eq(sessions.userId, userId), isNull(sessions.revokedAt), exceptId ? ne(sessions.id, exceptId) : undefined),
      )
      .returning({ id: sessions.id, secretHash: sessions.secretHash }),

  liveSessionsOfUser: async (db: Db, userId: string, now: Date) =>
    db
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .orderBy(asc(sessions.createdAt)),

  /** Credential cache keys of a user (sessions and API keys), for invalidation after a change to the user. */
  credentialsOfUser: async (db: Db, userId: string) => ({
    sessions: await db
      .select({ id: sessions.id, secretHash: sessions.secretHash })
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt))),
    keys: await db
      .select({ keyHash: apiKeys.keyHash })
      .from(apiKeys)
      .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt))),
  }),

  insertRefreshToken: async (db: Db, values: typeof refreshTokens.$inferInsert) =>
    db.insert(refreshTokens).values(values),

  /** Marks a refresh token used, atomically: only one caller can rotate it. */
  useRefreshToken: async (db: Db, jti: string, now: Date) =>
    (
      await db
        .update(refreshTokens)
        .set({ usedAt: now })
        .where(and(eq(refreshTokens.jti, jti), isNull(refreshTokens.usedAt)))
        .returning()
    )[0],

  refreshTokenByJti: async (db: Db, jti: string) =>
    (await db.select().from(refreshTokens).where(eq(refreshTokens.jti, jti)))[0],

  listRoles: async (db: Db) => db.select().from(roles).orderBy(asc(roles.name)),
  roleById: async (db: Db, id: string) => (await db.select().from(roles).where(eq(roles.id, id)))[0],
  roleByName: async (db: Db, name: string) => (await db.select().from(roles).where(eq(roles.name, name)))[0],
  insertRole: async (db: Db, values: typeof roles.$inferInsert) =>
    (await db.insert(roles).values(values).returning())[0]!,
  updateRole: async (db: Db, id: string, patch: Partial<typeof roles.$inferInsert>) =>
    (await db.update(roles).set(patch).where(eq(roles.id, id)).returning())[0],
  deleteRole: async (db: Db, id: string) =>
    (await db.delete(roles).where(eq(roles.id, id)).returning({ id: roles.id }))[0],
  userIdsWithRole: async (db: Db, roleId: string) =>
    (await db.select({ userId: userRoles.userId }).from(userRoles).where(eq(userRoles.roleId, roleId))).map(
      (r) => r.userId,
    ),
  assignRole: async (db: Db, roleId: string, userIds: string[]) =>
    db
      .insert(userRoles)
      .values(userIds.map((userId) => ({ userId, roleId })))
      .onConflictDoNothing(),
  unassignRole: async (db: Db, roleId: string, userId: string) =>
    db.delete(userRoles).where(and(eq(userRoles.roleId, roleId), eq(userRoles.userId, userId))),

  insertApiKey: async (db: Db, values: typeof apiKeys.$inferInsert) =>
    (await db.insert(apiKeys).values(values).returning())[0]!,
  apiKeysOfUser: async (db: Db, userId: string) =>
    db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
      .orderBy(asc(apiKeys.createdAt)),
  apiKeyByHash: async (db: Db, keyHash: string) =>
    (
      await db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    )[0],
  revokeApiKey: async (db: Db, id: string, userId: string, now: Date) =>
    (
      await db
        .update(apiKeys)
        .set({ revokedAt: now })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
        .returning()
    )[0],
  /** Revokes every live key of a user; returns their hashes (for the credential cache). */
  revokeUserApiKeys: async (db: Db, userId: string, now: Date) =>
    db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
      .returning({ keyHash: apiKeys.keyHash }),
  touchApiKey: async (db: Db, id: string, now: Date) =>
    db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id)),

  /** Removes expired sessions (their refresh tokens go with them) and revoked ones past the grace period. */
  flushExpired: async (db: Db, now: Date, revokedBefore: Date) => {
    const tokens = await db
      .delete(refreshTokens)
      .where(lt(refreshTokens.expiresAt, now))
      .returning({ jti: refreshTokens.jti });
    const gone = await db
      .delete(sessions)
      .where(or(lt(sessions.expiresAt, now), lt(sessions.revokedAt, revokedBefore)))
      .returning({ id: sessions.id });
    return { sessions: gone.length, refreshTokens: tokens.length };
  },
};

export type IdentityRepository = typeof identityRepository;
