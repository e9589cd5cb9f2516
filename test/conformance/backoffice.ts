import { multipart, PNG } from '../files/fixtures.js';
import { unique } from '../helpers/app.js';
import type { Actor, Fixtures, FixtureTable, Req } from './fixtures.js';

const API = '/backoffice/api';
/** The origin Django's CSRF check accepts for a cookie-authenticated unsafe request sent through inject. */
const ORIGIN = 'http://localhost';

const create = async (f: Fixtures, who: Actor, resource: string, body: object) =>
  String((await f.call('POST', `${API}/${resource}/`, who, 'bearer', body)).id);

const address = () => ({ country: 'RU', region: 'Moscow', city: 'Moscow', street: 'Tverskaya', house: 1 });
const newUser = () => ({ email: `${unique('bo')}@example.test`, password: 'a long enough password 1' });

export const partner = (f: Fixtures, who: Actor) =>
  create(f, who, 'partners', { name: unique('partner'), legal_entity: unique('LLC'), ...address() });
export const branch = async (f: Fixtures, who: Actor) =>
  create(f, who, 'branches', {
    name: unique('branch'),
    opening_date: '2024-09-01',
    partner: Number(await partner(f, who)),
    area: 120,
    floor: 2,
    ...address(),
  });
/** An employee's id is its user's. */
export const employee = async (f: Fixtures, who: Actor) => {
  const body = { user: newUser(), bank_account_number: 40817810, partner: Number(await partner(f, who)) };
  return String((await f.call('POST', `${API}/employees/`, who, 'bearer', body)).user.id);
};
export const course = (f: Fixtures, who: Actor) =>
  create(f, who, 'courses', { name: unique('course'), min_age: 7, max_age: 12 });
export const lesson = async (f: Fixtures, who: Actor) =>
  create(f, who, 'lessons', { lesson_number: 1, name: unique('lesson'), course: Number(await course(f, who)) });

/** One id of a fresh row per resource, and what a valid full update of it must carry besides the sample. */
interface Row {
  make: (f: Fixtures, who: Actor) => Promise<string>;
  put?: (f: Fixtures, who: Actor) => Promise<object>;
  /** A group keeps its name (its identity role's): an update sends the name it has. */
  keepsName?: boolean;
}
const rows: Record<string, Row> = {
  partners: { make: partner },
  branches: { make: branch, put: async (f, who) => ({ partner: Number(await partner(f, who)) }) },
  employees: {
    make: employee,
    put: async (f, who) => ({ user: newUser(), partner: Number(await partner(f, who)) }),
  },
  users: { make: (f, who) => create(f, who, 'users', newUser()) },
  courses: { make: course },
  categories: { make: (f, who) => create(f, who, 'categories', { name: unique('category') }) },
  lessons: { make: lesson, put: async (f, who) => ({ course: Number(await course(f, who)) }) },
  groups: { make: (f, who) => create(f, who, 'groups', { name: unique('group') }), keepsName: true },
  permissions: {
    make: (f, who) =>
      create(f, who, 'permissions', {
        name: unique('perm'),
        codename: unique('can'),
        content_type: 'backoffice.course',
      }),
  },
};

/** Gives user `id` a new avatar; the signed URL of it, as a request of the media route. */
async function signedAvatar(f: Fixtures, who: Actor, id: string): Promise<Req> {
  const mp = multipart(Buffer.concat([PNG, Buffer.from(unique())]), 'avatar.png', 'image');
  const res = await f.agora.app.inject({
    method: 'PATCH',
    url: `${API}/users/${id}/`,
    headers: { ...who.creds.bearer, ...mp.headers },
    payload: mp.payload,
  });
  const url = new URL(res.json().image);
  const query = Object.fromEntries(url.searchParams);
  return { params: { name: url.pathname.split('/').pop()! }, query, optional: query };
}

const table: FixtureTable = {
  'POST /backoffice/auth/token/': {
    ok: async (_f, me) => ({ body: { email: `${me.username}@example.test`, password: me.password } }),
  },
  'POST /backoffice/auth/token/refresh/': {
    ok: async (f, me) => {
      const res = await f.agora.app.inject({
        method: 'POST',
        url: '/backoffice/auth/token/',
        payload: { email: `${me.username}@example.test`, password: me.password },
      });
      const refresh = [res.headers['set-cookie']].flat().find((c) => String(c).startsWith('refresh_token='));
      return { headers: { cookie: String(refresh).split(';')[0]!, origin: ORIGIN } };
    },
  },
  'POST /backoffice/api/branches/': { ok: async (f, me) => ({ body: { partner: Number(await partner(f, me)) } }) },
  'POST /backoffice/api/employees/': {
    ok: async (f, me) => ({ body: { user: newUser(), partner: Number(await partner(f, me)) } }),
  },
  'POST /backoffice/api/users/': { ok: async () => ({ body: { password: newUser().password } }) },
  'POST /backoffice/api/lessons/': { ok: async (f, me) => ({ body: { course: Number(await course(f, me)) } }) },
  'GET /backoffice/media/{name}': {
    ok: async (f, me) => signedAvatar(f, me, await rows.users!.make(f, me)),
    // a replaced avatar's old signed URL: its object is gone
    notFound: async (f, me) => {
      const id = await rows.users!.make(f, me);
      const old = await signedAvatar(f, me, id);
      await signedAvatar(f, me, id);
      return old;
    },
  },
};

for (const [resource, row] of Object.entries(rows)) {
  const item = (update: boolean, extra?: (f: Fixtures, who: Actor) => Promise<object>) => ({
    ok: async (f: Fixtures, me: Actor): Promise<Req> => {
      const id = await row.make(f, me);
      const body: Record<string, unknown> = extra ? { ...(await extra(f, me)) } : {};
      if (update && row.keepsName) body.name = (await f.call('GET', `${API}/${resource}/${id}/`, me, 'bearer')).name;
      return { params: { id }, ...(Object.keys(body).length ? { body } : {}) };
    },
  });
  table[`GET ${API}/${resource}/{id}/`] = item(false);
  table[`PUT ${API}/${resource}/{id}/`] = item(true, row.put);
  table[`PATCH ${API}/${resource}/{id}/`] = item(true);
  table[`DELETE ${API}/${resource}/{id}/`] = item(false);
}

export const backofficeFixtures = table;
