import { isAppError } from '../../platform/errors.js';
import type { Db } from '../../platform/db/database.js';
import { accessRepository as access } from './backoffice.access.repository.js';
import { tx, uniqueViolation, type Deps } from './backoffice.deps.js';
import { invalid, type FieldErrors } from './backoffice.errors.js';
import { partnersRepository as partners } from './backoffice.partners.repository.js';
import { peopleRepository as repo, type NewUser } from './backoffice.people.repository.js';
import type { FileRef } from './backoffice.tables.js';
import { createUserSerializer, type UserInput } from './backoffice.user-serializer.js';

export { UserBody, userOut, type UserInput } from './backoffice.user-serializer.js';

/** Accounts of the back office: identity accounts with a profile here, created, changed and removed together. */
export function createPeople(deps: Deps) {
  const { db, identity, files } = deps;
  const svc = identity.service;
  const { readUser } = createUserSerializer(deps);

  /** identity's uniqueness conflicts as the serializer's field errors. */
  const accountConflict = (err: unknown): FieldErrors | undefined => {
    if (isAppError(err) && err.code === 'EMAIL_TAKEN') return { email: ['user with this email already exists.'] };
    if (isAppError(err) && err.code === 'USERNAME_TAKEN')
      return { username: ['A user with that username already exists.'] };
    const constraint = uniqueViolation(err);
    if (constraint === 'users_phone_number_key')
      return { phone_number: ['user with this phone number already exists.'] };
    if (constraint === 'users_email_key') return { email: ['user with this email already exists.'] };
    return undefined;
  };

  /** A removed or never-finished account: its email and username are freed and it can no longer log in. */
  async function retireAccount(userId: string) {
    await svc.updateProfile(userId, { email: null, username: `deleted-${userId}` }).catch(() => undefined);
    await svc.deactivate(userId).catch(() => undefined);
  }

  /** Puts the identity role of a back-office group in place of the previous one. */
  async function moveGroup(userId: string, from: number | null | undefined, to: number | null | undefined) {
    if (to === undefined || from === to) return;
    const all = await access.allGroups(db);
    const role = (id: number | null | undefined) => all.find((g) => g.id === id)?.roleId;
    const before = role(from);
    if (before) await svc.unassignRole(before, userId).catch(() => undefined);
    const after = role(to);
    if (after) await svc.assignRole(after, [userId]);
  }

  return {
    readUser,
    accountConflict,

    /** Copies an identity account's current email, username and names into its profile (after a rename elsewhere). */
    async refreshFromIdentity(userId: string): Promise<'skipped' | undefined> {
      const account = await svc.getUser(userId);
      if (!account || !(await repo.user(db, userId))) return 'skipped';
      await db.transaction(async (t) => {
        await repo.updateUser(tx(t), userId, {
          username: account.username,
          ...(account.email ? { email: account.email } : {}),
          firstName: account.firstName,
          lastName: account.lastName,
        });
        await repo.syncEmployeeSearch(tx(t), userId);
      });
      return undefined;
    },

    /**
     * Creates the identity account, then — in one transaction with `more` (an employee row) — the profile. If
     * the transaction fails, the account is retired and the stored image released: nothing is left half made.
     */
    async createAccount(
      input: UserInput,
      more?: (t: Db, userId: string) => Promise<void>,
      nest: (e: FieldErrors) => FieldErrors = (e) => e,
    ): Promise<string> {
      const p = input.profile;
      const account = await svc
        .register({
          username: p.username!,
          password: input.password!,
          email: p.email!,
          firstName: p.firstName,
          lastName: p.lastName,
        })
        .catch((err: unknown) => {
          const fields = accountConflict(err);
          throw fields ? invalid(nest(fields)) : err;
        });
      let image: FileRef | null = null;
      try {
        if (input.image) image = await files.store(input.image, account.id);
        await db.transaction(async (t) => {
          await repo.insertUser(tx(t), { ...(p as NewUser), userId: account.id, image });
          await files.swap(tx(t), [image], []);
          await more?.(tx(t), account.id);
        });
      } catch (err) {
        await retireAccount(account.id);
        await files.release([image]);
        const fields = accountConflict(err);
        throw fields ? invalid(nest(fields)) : err;
      }
      await moveGroup(account.id, null, input.groupId);
      return account.id;
    },

    /** Changes the account and the profile; `more` runs in the profile's transaction (an employee's fields). */
    async updateAccount(
      userId: string,
      input: UserInput,
      more?: (t: Db) => Promise<void>,
      nest: (e: FieldErrors) => FieldErrors = (e) => e,
    ) {
      const before = await repo.user(db, userId);
      if (!before) throw invalid({ non_field_errors: ['User not found.'] });
      const p = input.profile;
      const identityChanges = { email: p.email, username: p.username, firstName: p.firstName, lastName: p.lastName };
      if (Object.values(identityChanges).some((x) => x !== undefined)) {
        await svc.updateProfile(userId, identityChanges).catch((err: unknown) => {
          const fields = accountConflict(err);
          throw fields ? invalid(nest(fields)) : err;
        });
      }
      if (input.password !== undefined) await svc.setPassword(userId, input.password);
      const image = input.image ? await files.store(input.image, userId) : input.image;
      try {
        await db.transaction(async (t) => {
          const changes = { ...p, ...(image !== undefined ? { image } : {}) };
          if (Object.keys(changes).length) {
            await repo.updateUser(tx(t), userId, changes);
            await repo.syncEmployeeSearch(tx(t), userId);
          }
          if (image !== undefined) await files.swap(tx(t), [image], [before.image]);
          await more?.(tx(t));
        });
      } catch (err) {
        if (image) await files.release([image]);
        const fields = accountConflict(err);
        throw fields ? invalid(nest(fields)) : err;
      }
      if (image !== undefined) await files.release([before.image]);
      await moveGroup(userId, before.groupId, input.groupId);
    },

    /**
     * Removes the profile and its employee (its partner counts one less) in one transaction, then retires the
     * identity account: its sessions end everywhere on the next request.
     */
    async removeAccount(userId: string) {
      const gone = await db.transaction(async (t) => {
        const employee = await repo.lockEmployee(tx(t), userId);
        if (employee) await partners.bumpCounts(tx(t), employee.partnerId, { employees: -1 });
        const row = await repo.deleteUser(tx(t), userId);
        if (row) await files.swap(tx(t), [], [row.image]);
        return row;
      });
      if (!gone) return;
      await deps.scopes.forget([userId]);
      await moveGroup(userId, gone.groupId, null);
      await retireAccount(userId);
      await files.release([gone.image]);
    },
  };
}

export type People = ReturnType<typeof createPeople>;
