import { Type } from 'typebox';
import { accessRepository as access } from './backoffice.access.repository.js';
import type { RequestCtx } from './backoffice.crud.js';
import { nonBlank } from './backoffice.docs.js';
import { GENDERS, type Deps } from './backoffice.deps.js';
import type { FieldErrors } from './backoffice.errors.js';
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
import { peopleRepository as repo, type NewUser, type UserRow } from './backoffice.people.repository.js';

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
  password: Type.Optional(nonBlank(undefined, { description: 'write-only; required on create' })),
  username: Type.Optional(nonBlank(150, { description: 'defaults to the email' })),
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
/** The original's UserSerializer (also nested in the employee serializer), over the profile and identity. */
export function createUserSerializer(deps: Pick<Deps, 'db'>) {
  const { db } = deps;
  const groupField =
    (superuserRefused: string | undefined): Field<number | null> =>
    async (v) => {
      if (v === null) return ok(null);
      if (typeof v !== 'string') return fail('Object with name=' + JSON.stringify(v) + ' does not exist.');
      const g = await access.groupByName(db, v.trim());
      if (!g) return fail(`Object with name=${v.trim()} does not exist.`);
      if (g.name === 'superuser' && superuserRefused) return fail(superuserRefused);
      return ok(g.id);
    };

  const spec = (selfId: string | undefined, superuserRefused: string | undefined): Spec => ({
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
    group: { field: groupField(superuserRefused) },
  });

  /** Runs the user serializer (nested or not); errors are returned, not thrown, so a parent can nest them. */
  async function readUser(
    data: unknown,
    /** `superuserRefused`: why the group superuser may not be given here (undefined: it may). */
    opts: { form: boolean; partial: boolean; selfId?: string; superuserRefused: string | undefined },
  ): Promise<{ ok: true; value: UserInput } | { ok: false; errors: FieldErrors }> {
    const r = await runFields(data, spec(opts.selfId, opts.superuserRefused), opts);
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

  return { readUser };
}
