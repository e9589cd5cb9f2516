import type { Db } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { CredentialCache } from './identity.credential-cache.js';
import { apiKeyKey, sessionKeys } from './identity.credential-cache.js';
import { identityRepository as repo, type UserRow } from './identity.repository.js';
import { isUniqueViolation, type Actor, type IdentityDeps } from './identity.types.js';

/** Django's normalize_email: the domain is case-insensitive, the local part is kept as given. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim();
  const at = email.lastIndexOf('@');
  return at < 0 ? email : `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
}

/** A unique violation on users as identity's 409s; anything else is rethrown. */
function takenOrRethrow(err: unknown): never {
  const constraint = isUniqueViolation(err);
  if (constraint?.includes('email')) throw new AppError('EMAIL_TAKEN', 409, 'A user with that email already exists.');
  if (constraint) throw new AppError('USERNAME_TAKEN', 409, 'A user with that username already exists.');
  throw err;
}

/** Refuses a username that is another account's email, or an email that is another account's username. */
async function refuseCrossed(db: Db, v: { username?: string; email?: string | null }, exceptId?: string) {
  const taken = await repo.crossTaken(db, v, exceptId);
  if (taken === 'email') throw new AppError('EMAIL_TAKEN', 409, 'A user with that email already exists.');
  if (taken === 'username') throw new AppError('USERNAME_TAKEN', 409, 'A user with that username already exists.');
}

/** Accounts: registration, password checks, profiles, activation, passwords, superusers. */
export function accountService(deps: IdentityDeps, creds: CredentialCache) {
  const { db, clock, hasher } = deps;

  const accounts = {
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
      await refuseCrossed(db, { username: input.username, email });
      const passwordHash = await hasher.hash(input.password);
      return repo
        .insertUser(db, {
          id: clock.uuid(),
          username: input.username,
          email,
          passwordHash,
          firstName: input.firstName ?? '',
          lastName: input.lastName ?? '',
          isSuperuser: input.isSuperuser ?? false,
          emailVerified: input.emailVerified ?? false,
        })
        .catch(takenOrRethrow);
    },

    getUser: async (id: string) => repo.userById(db, id),
    getUserByUsername: async (username: string) => repo.userByUsername(db, username),

    async updateProfile(
      userId: string,
      patch: { username?: string; email?: string | null; firstName?: string; lastName?: string },
    ): Promise<UserRow> {
      const email = patch.email === undefined ? undefined : patch.email ? normalizeEmail(patch.email) : null;
      const { username, firstName, lastName } = patch;
      const changes = { username, firstName, lastName, email, updatedAt: clock.now() };
      await refuseCrossed(db, { username, email }, userId);
      // Changes are announced with the change itself: modules that copy names (microblog, back office) refresh them.
      const row = await db
        .transaction(async (t) => {
          const tx = t as Db;
          const before = await repo.userById(tx, userId);
          const updated = await repo.updateUser(tx, userId, changes);
          if (updated && before && before.username !== updated.username)
            await deps.jobs?.publish(tx, 'identity.user.renamed', { userId, username: updated.username });
          const fields = ['username', 'email', 'firstName', 'lastName'] as const;
          if (updated && before && fields.some((f) => before[f] !== updated[f]))
            await deps.jobs?.publish(tx, 'identity.user.updated', { userId });
          return updated;
        })
        .catch(takenOrRethrow);
      if (!row) throw notFound();
      deps.jobs?.wake();
      await creds.forgetUser(userId);
      return row;
    },

    async listUsers(opts: { page: number; size: number; search?: string }) {
      return repo.listUsers(db, { offset: (opts.page - 1) * opts.size, limit: opts.size, search: opts.search });
    },

    /** Deactivates an account everywhere: every session and key stops working at once. */
    async deactivate(userId: string) {
      const user = await repo.updateUser(db, userId, { isActive: false, updatedAt: clock.now() });
      if (!user) throw notFound();
      const live = await repo.credentialsOfUser(db, userId);
      await repo.revokeUserSessions(db, userId, 'deactivated', clock.now());
      await creds.tombstone([...live.sessions.flatMap(sessionKeys), ...live.keys.map((k) => apiKeyKey(k.keyHash))]);
    },

    /** Lets a deactivated account sign in again (the sessions that ended stay ended). */
    async activate(userId: string) {
      const user = await repo.updateUser(db, userId, { isActive: true, updatedAt: clock.now() });
      if (!user) throw notFound();
      await creds.forgetUser(userId);
    },

    /** Changes a password; every other session ends, and every API key unless `keepApiKeys`. */
    async changePassword(actor: Actor, oldPassword: string, newPassword: string, opts: { keepApiKeys?: boolean } = {}) {
      const user = await repo.userById(db, actor.userId);
      if (!user || !(await hasher.verify(user.passwordHash, oldPassword))) {
        throw new AppError('INVALID_PASSWORD', 400, 'Invalid current password');
      }
      const passwordHash = await hasher.hash(newPassword);
      const now = clock.now();
      const revoked = await db.transaction(async (t) => {
        const tx = t as Db;
        await repo.updateUser(tx, user.id, { passwordHash, updatedAt: now });
        await deps.jobs?.publish(tx, 'identity.password.changed', { userId: user.id });
        return {
          sessions: await repo.revokeUserSessions(tx, user.id, 'password-changed', now, actor.sessionId),
          keys: opts.keepApiKeys ? [] : await repo.revokeUserApiKeys(tx, user.id, now),
        };
      });
      await creds.tombstone([
        ...revoked.sessions.flatMap(sessionKeys),
        ...revoked.keys.map((k) => apiKeyKey(k.keyHash)),
      ]);
    },

    async setPassword(userId: string, password: string) {
      await repo.updateUser(db, userId, { passwordHash: await hasher.hash(password), updatedAt: clock.now() });
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
        await creds.forgetUser(existing.id);
        return { user: (await repo.userById(db, existing.id))!, created: false };
      }
      return { user: await accounts.register({ ...input, isSuperuser: true, emailVerified: true }), created: true };
    },
  };
  return accounts;
}
