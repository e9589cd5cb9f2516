import { Type } from 'typebox';
import { isAppError } from '../../platform/errors.js';
import { accessRepository as access } from './backoffice.access.repository.js';
import type { RequestCtx } from './backoffice.crud.js';
import { GENDERS, tx, uniqueViolation, type Deps } from './backoffice.deps.js';
import { invalid, type FieldErrors } from './backoffice.errors.js';
import { CheckedUpload, fileField } from './backoffice.files.js';
import {
  SMALL_POSITIVE,
  char,
  choice,
  date,
  emailErrors,
  fail,
  int,
  ok,
  phoneErrors,
  runFields,
  type Field,
  type Spec,
} from './backoffice.fields.js';
import { partnersRepository as partners } from './backoffice.partners.repository.js';
import { peopleRepository as repo, type NewUser, type UserRow } from './backoffice.people.repository.js';
import type { Db } from '../../platform/db/database.js';
import type { FileRef } from './backoffice.tables.js';

/** UserSerializer's output (the password and the write-only group never come back). */
export async function userOut(c: Pick<RequestCtx, 'url'>, u: UserRow) {
  return {
    id: u.userId,
    email: u.email,
    username: u.username,
    first_name: u.firstName,
    last_name: u.lastName,
    patronymic: u.patronymic,
    gender: u.gender,
    birthday: u.birthday,
    image: await c.url(u.image),
    phone_number: u.phoneNumber,
    country: u.country,
    region: u.region,
    city: u.city,
    street: u.street,
    house: u.house,
    address_note: u.addressNote,
    date_joined: u.dateJoined.toISOString(),
  };
}

export const UserBody = Type.Object({
  email: Type.String({ format: 'email', description: 'login; unique, lower-cased' }),
  password: Type.Optional(Type.String({ description: 'write-only; required on create' })),
  username: Type.Optional(Type.String({ maxLength: 150, description: 'defaults to the email' })),
  first_name: Type.Optional(Type.String({ maxLength: 150 })),
  last_name: Type.Optional(Type.String({ maxLength: 150 })),
  patronymic: Type.Optional(Type.String({ maxLength: 150 })),
  gender: Type.Optional(Type.Union(GENDERS.map((g) => Type.Literal(g)))),
  birthday: Type.Optional(Type.Union([Type.String({ format: 'date' }), Type.Null()])),
  image: Type.Optional(Type.Unsafe({ type: 'string', format: 'binary', description: 'an image (multipart), or null' })),
  phone_number: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
  country: Type.Optional(Type.String({ maxLength: 50 })),
  region: Type.Optional(Type.String({ maxLength: 100 })),
  city: Type.Optional(Type.String({ maxLength: 50 })),
  street: Type.Optional(Type.String({ maxLength: 50 })),
  house: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 32767 }), Type.Null()])),
  address_note: Type.Optional(Type.Union([Type.String({ maxLength: 150 }), Type.Null()])),
  group: Type.Optional(Type.String({ description: 'write-only: owner | teacher (a group name)' })),
});

/** The validated user fields, in the table's terms, plus what goes to identity. */
export interface UserInput {
  profile: Partial<NewUser>;
  password?: string;
  image?: CheckedUpload | null;
  groupId?: number | null;
}

/** Accounts of the back office: identity accounts with a profile here, created, changed and removed together. */
export function createPeople(deps: Deps) {
  const { db, identity, files } = deps;
  const svc = identity.service;

  const groupField =
    (allowSuperuser: boolean): Field<number | null> =>
    async (v) => {
      if (v === null) return ok(null);
      if (typeof v !== 'string') return fail('Object with name=' + JSON.stringify(v) + ' does not exist.');
      const g = await access.groupByName(db, v.trim());
      if (!g) return fail(`Object with name=${v.trim()} does not exist.`);
      if (g.name === 'superuser' && !allowSuperuser) return fail("Employee can't be a superuser.");
      return ok(g.id);
    };

  const spec = (selfId: string | undefined, allowSuperuser: boolean): Spec => ({
    email: {
      field: async (v, ctx) => {
        const r = await char({ max: 254, extra: emailErrors })(v, ctx);
        if (!r.ok) return r;
        const email = r.value!.toLowerCase();
        return (await repo.emailTaken(db, email, selfId)) ? fail('user with this email already exists.') : ok(email);
      },
      required: true,
    },
    password: { field: char({ max: 128 }), required: !selfId },
    username: {
      field: char({
        max: 150,
        extra: (s) =>
          /^[\p{L}\p{N}_.@+-]+$/u.test(s)
            ? []
            : ['Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'],
      }),
    },
    first_name: { field: char({ max: 150, blank: true }) },
    last_name: { field: char({ max: 150, blank: true }) },
    patronymic: { field: char({ max: 150, blank: true }) },
    gender: { field: choice(GENDERS) },
    birthday: { field: date({ nullable: true }) },
    image: { field: fileField('image') },
    phone_number: {
      field: async (v, ctx) => {
        const r = await char({ max: 20, nullable: true, extra: phoneErrors })(v, ctx);
        if (!r.ok || r.value === null) return r;
        return (await repo.phoneTaken(db, r.value!, selfId)) ? fail('user with this phone number already exists.') : r;
      },
    },
    country: { field: char({ max: 50, blank: true }) },
    region: { field: char({ max: 100, blank: true }) },
    city: { field: char({ max: 50, blank: true }) },
    street: { field: char({ max: 50, blank: true }) },
    house: { field: int({ ...SMALL_POSITIVE, nullable: true }) },
    address_note: { field: char({ max: 150, blank: true, nullable: true }) },
    group: { field: groupField(allowSuperuser) },
  });

  /** Runs the user serializer (nested or not); errors are returned, not thrown, so a parent can nest them. */
  async function readUser(
    data: unknown,
    opts: { form: boolean; partial: boolean; selfId?: string; allowSuperuser: boolean },
  ): Promise<{ ok: true; value: UserInput } | { ok: false; errors: FieldErrors }> {
    const r = await runFields(data, spec(opts.selfId, opts.allowSuperuser), opts);
    if (!r.ok) return { ok: false, errors: r.errors as FieldErrors };
    const v = r.value;
    const profile = Object.fromEntries(
      Object.entries({
        email: v.email,
        username: v.username ?? (opts.selfId ? undefined : v.email),
        firstName: v.first_name,
        lastName: v.last_name,
        patronymic: v.patronymic,
        gender: v.gender,
        birthday: v.birthday,
        phoneNumber: v.phone_number,
        country: v.country,
        region: v.region,
        city: v.city,
        street: v.street,
        house: v.house,
        addressNote: v.address_note,
        groupId: v.group,
      }).filter(([, x]) => x !== undefined),
    ) as Partial<NewUser>;
    const password = v.password === undefined ? undefined : String((data as Record<string, unknown>).password);
    return {
      ok: true,
      value: {
        profile,
        password,
        image: v.image as CheckedUpload | null | undefined,
        groupId: v.group as number | null | undefined,
      },
    };
  }

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
