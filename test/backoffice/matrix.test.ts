/**
 * The contract's authorization matrix, written out cell by cell — independent of the module's rule table:
 * {superuser, owner of partner A, teacher of partner A, user with no group, anonymous} × nine resources ×
 * {list, retrieve, create, update, delete}, plus the owner of A against partner B's objects. Every cell asserts
 * the status, and every list cell exactly which rows come back (in order).
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import {
  API,
  branchBody,
  courseBody,
  create,
  employeeBody,
  partnerBody,
  userBody,
  world,
  type Session,
  type World,
} from './helpers.js';

type Actor = 'superuser' | 'owner' | 'teacher' | 'nogroup' | 'anonymous';
type Res =
  'partners' | 'branches' | 'employees' | 'users' | 'groups' | 'permissions' | 'courses' | 'categories' | 'lessons';

/** Every list cell: the labels of the rows, in order (null: no list, the status only). */
const LISTS: [Res, Actor, number, string[] | null][] = [
  ['partners', 'superuser', 200, ['partner A', 'partner B']],
  ['partners', 'owner', 200, ['partner A']],
  ['partners', 'teacher', 200, ['partner A']],
  ['partners', 'nogroup', 403, null],
  ['partners', 'anonymous', 401, null],
  ['branches', 'superuser', 200, ['branch A', 'branch B']],
  ['branches', 'owner', 200, ['branch A']],
  ['branches', 'teacher', 200, ['branch A']],
  ['branches', 'nogroup', 403, null],
  ['branches', 'anonymous', 401, null],
  ['employees', 'superuser', 200, ['teacher A', 'teacher B']],
  ['employees', 'owner', 200, ['teacher A']],
  ['employees', 'teacher', 200, ['teacher A']],
  ['employees', 'nogroup', 403, null],
  ['employees', 'anonymous', 401, null],
  ['users', 'superuser', 200, ['teacher B', 'teacher A', 'no-group user', 'owner B', 'owner A']],
  ['users', 'owner', 403, null],
  ['users', 'teacher', 403, null],
  ['users', 'nogroup', 403, null],
  ['users', 'anonymous', 401, null],
  ['groups', 'superuser', 200, ['group owner', 'group superuser', 'group teacher']],
  ['groups', 'owner', 403, null],
  ['groups', 'teacher', 403, null],
  ['groups', 'nogroup', 403, null],
  ['groups', 'anonymous', 401, null],
  [
    'permissions',
    'superuser',
    200,
    [
      'add_branch',
      'change_branch',
      'delete_branch',
      'view_branch',
      'add_category',
      'change_category',
      'delete_category',
      'view_category',
      'add_course',
      'change_course',
      'delete_course',
      'view_course',
      'add_employee',
      'change_employee',
      'delete_employee',
      'view_employee',
      'add_group',
      'change_group',
      'delete_group',
      'view_group',
    ],
  ],
  ['permissions', 'owner', 403, null],
  ['permissions', 'teacher', 403, null],
  ['permissions', 'nogroup', 403, null],
  ['permissions', 'anonymous', 401, null],
  ['courses', 'superuser', 200, ['course X', 'course Y', 'course Z']],
  ['courses', 'owner', 200, ['course X', 'course Y', 'course Z']],
  ['courses', 'teacher', 200, ['course X']],
  ['courses', 'nogroup', 403, null],
  ['courses', 'anonymous', 401, null],
  ['categories', 'superuser', 200, ['category']],
  ['categories', 'owner', 200, ['category']],
  ['categories', 'teacher', 200, ['category']],
  ['categories', 'nogroup', 403, null],
  ['categories', 'anonymous', 401, null],
  ['lessons', 'superuser', 200, ['lesson X', 'lesson Y', 'lesson Z']],
  ['lessons', 'owner', 200, ['lesson X', 'lesson Y', 'lesson Z']],
  ['lessons', 'teacher', 200, ['lesson X']],
  ['lessons', 'nogroup', 403, null],
  ['lessons', 'anonymous', 401, null],
];

/**
 * Retrieve, update and delete cells: the target row (a label of the world, or "fresh": a row made for the cell,
 * of the caller's partner where that matters) and the status. Updates are PATCHes with a valid body.
 */
const ONE: [Res, Actor, 'retrieve' | 'update' | 'delete', string, number][] = [
  ['partners', 'superuser', 'retrieve', 'partner A', 200],
  ['partners', 'superuser', 'update', 'partner A', 200],
  ['partners', 'superuser', 'delete', 'fresh', 204],
  ['partners', 'owner', 'retrieve', 'partner A', 200],
  ['partners', 'owner', 'update', 'partner A', 200],
  ['partners', 'owner', 'delete', 'partner A', 403],
  ['partners', 'teacher', 'retrieve', 'partner A', 200],
  ['partners', 'teacher', 'update', 'partner A', 403],
  ['partners', 'teacher', 'delete', 'partner A', 403],
  ['partners', 'nogroup', 'retrieve', 'partner A', 403],
  ['partners', 'nogroup', 'update', 'partner A', 403],
  ['partners', 'nogroup', 'delete', 'partner A', 403],
  ['partners', 'anonymous', 'retrieve', 'partner A', 401],
  ['partners', 'anonymous', 'update', 'partner A', 401],
  ['partners', 'anonymous', 'delete', 'partner A', 401],

  ['branches', 'superuser', 'retrieve', 'branch B', 200],
  ['branches', 'superuser', 'update', 'branch B', 200],
  ['branches', 'superuser', 'delete', 'fresh', 204],
  ['branches', 'owner', 'retrieve', 'branch A', 200],
  ['branches', 'owner', 'update', 'branch A', 200],
  ['branches', 'owner', 'delete', 'fresh', 204],
  ['branches', 'teacher', 'retrieve', 'branch A', 200],
  ['branches', 'teacher', 'update', 'branch A', 403],
  ['branches', 'teacher', 'delete', 'branch A', 403],
  ['branches', 'nogroup', 'retrieve', 'branch A', 403],
  ['branches', 'nogroup', 'update', 'branch A', 403],
  ['branches', 'nogroup', 'delete', 'branch A', 403],
  ['branches', 'anonymous', 'retrieve', 'branch A', 401],
  ['branches', 'anonymous', 'update', 'branch A', 401],
  ['branches', 'anonymous', 'delete', 'branch A', 401],

  ['employees', 'superuser', 'retrieve', 'teacher B', 200],
  ['employees', 'superuser', 'update', 'teacher B', 200],
  ['employees', 'superuser', 'delete', 'fresh', 204],
  ['employees', 'owner', 'retrieve', 'teacher A', 200],
  ['employees', 'owner', 'update', 'teacher A', 200],
  ['employees', 'owner', 'delete', 'fresh', 204],
  ['employees', 'teacher', 'retrieve', 'teacher A', 200],
  ['employees', 'teacher', 'update', 'teacher A', 403],
  ['employees', 'teacher', 'delete', 'teacher A', 403],
  ['employees', 'nogroup', 'retrieve', 'teacher A', 403],
  ['employees', 'nogroup', 'update', 'teacher A', 403],
  ['employees', 'nogroup', 'delete', 'teacher A', 403],
  ['employees', 'anonymous', 'retrieve', 'teacher A', 401],
  ['employees', 'anonymous', 'update', 'teacher A', 401],
  ['employees', 'anonymous', 'delete', 'teacher A', 401],

  ['users', 'superuser', 'retrieve', 'owner B', 200],
  ['users', 'superuser', 'update', 'no-group user', 200],
  ['users', 'superuser', 'delete', 'fresh', 204],
  ['users', 'owner', 'retrieve', 'owner A', 403],
  ['users', 'owner', 'update', 'owner A', 403],
  ['users', 'owner', 'delete', 'teacher A', 403],
  ['users', 'teacher', 'retrieve', 'teacher A', 403],
  ['users', 'teacher', 'update', 'teacher A', 403],
  ['users', 'teacher', 'delete', 'teacher A', 403],
  ['users', 'nogroup', 'retrieve', 'no-group user', 403],
  ['users', 'nogroup', 'update', 'no-group user', 403],
  ['users', 'nogroup', 'delete', 'no-group user', 403],
  ['users', 'anonymous', 'retrieve', 'owner A', 401],
  ['users', 'anonymous', 'update', 'owner A', 401],
  ['users', 'anonymous', 'delete', 'owner A', 401],

  ['groups', 'superuser', 'retrieve', 'group owner', 200],
  ['groups', 'superuser', 'update', 'fresh', 200],
  ['groups', 'superuser', 'delete', 'fresh', 204],
  ['groups', 'owner', 'retrieve', 'group owner', 403],
  ['groups', 'owner', 'update', 'group owner', 403],
  ['groups', 'owner', 'delete', 'group owner', 403],
  ['groups', 'teacher', 'retrieve', 'group teacher', 403],
  ['groups', 'teacher', 'update', 'group teacher', 403],
  ['groups', 'teacher', 'delete', 'group teacher', 403],
  ['groups', 'nogroup', 'retrieve', 'group owner', 403],
  ['groups', 'nogroup', 'update', 'group owner', 403],
  ['groups', 'nogroup', 'delete', 'group owner', 403],
  ['groups', 'anonymous', 'retrieve', 'group owner', 401],
  ['groups', 'anonymous', 'update', 'group owner', 401],
  ['groups', 'anonymous', 'delete', 'group owner', 401],

  ['permissions', 'superuser', 'retrieve', 'view_partner', 200],
  ['permissions', 'superuser', 'update', 'fresh', 200],
  ['permissions', 'superuser', 'delete', 'fresh', 204],
  ['permissions', 'owner', 'retrieve', 'view_partner', 403],
  ['permissions', 'owner', 'update', 'view_partner', 403],
  ['permissions', 'owner', 'delete', 'view_partner', 403],
  ['permissions', 'teacher', 'retrieve', 'view_partner', 403],
  ['permissions', 'teacher', 'update', 'view_partner', 403],
  ['permissions', 'teacher', 'delete', 'view_partner', 403],
  ['permissions', 'nogroup', 'retrieve', 'view_partner', 403],
  ['permissions', 'nogroup', 'update', 'view_partner', 403],
  ['permissions', 'nogroup', 'delete', 'view_partner', 403],
  ['permissions', 'anonymous', 'retrieve', 'view_partner', 401],
  ['permissions', 'anonymous', 'update', 'view_partner', 401],
  ['permissions', 'anonymous', 'delete', 'view_partner', 401],

  ['courses', 'superuser', 'retrieve', 'course Z', 200],
  ['courses', 'superuser', 'update', 'course Z', 200],
  ['courses', 'superuser', 'delete', 'fresh', 204],
  ['courses', 'owner', 'retrieve', 'course Y', 200],
  ['courses', 'owner', 'update', 'course Z', 200],
  ['courses', 'owner', 'delete', 'course Z', 403],
  ['courses', 'teacher', 'retrieve', 'course X', 200],
  ['courses', 'teacher', 'retrieve', 'course Y', 404],
  ['courses', 'teacher', 'update', 'course X', 403],
  ['courses', 'teacher', 'update', 'course Y', 404],
  ['courses', 'teacher', 'delete', 'course X', 403],
  ['courses', 'teacher', 'delete', 'course Z', 404],
  ['courses', 'nogroup', 'retrieve', 'course X', 403],
  ['courses', 'nogroup', 'update', 'course X', 403],
  ['courses', 'nogroup', 'delete', 'course X', 403],
  ['courses', 'anonymous', 'retrieve', 'course X', 401],
  ['courses', 'anonymous', 'update', 'course X', 401],
  ['courses', 'anonymous', 'delete', 'course X', 401],

  ['categories', 'superuser', 'retrieve', 'category', 200],
  ['categories', 'superuser', 'update', 'category', 200],
  ['categories', 'superuser', 'delete', 'fresh', 204],
  ['categories', 'owner', 'retrieve', 'category', 200],
  ['categories', 'owner', 'update', 'category', 403],
  ['categories', 'owner', 'delete', 'category', 403],
  ['categories', 'teacher', 'retrieve', 'category', 200],
  ['categories', 'teacher', 'update', 'category', 403],
  ['categories', 'teacher', 'delete', 'category', 403],
  ['categories', 'nogroup', 'retrieve', 'category', 403],
  ['categories', 'nogroup', 'update', 'category', 403],
  ['categories', 'nogroup', 'delete', 'category', 403],
  ['categories', 'anonymous', 'retrieve', 'category', 401],
  ['categories', 'anonymous', 'update', 'category', 401],
  ['categories', 'anonymous', 'delete', 'category', 401],

  ['lessons', 'superuser', 'retrieve', 'lesson Y', 200],
  ['lessons', 'superuser', 'update', 'lesson Y', 200],
  ['lessons', 'superuser', 'delete', 'fresh', 204],
  ['lessons', 'owner', 'retrieve', 'lesson Y', 200],
  ['lessons', 'owner', 'update', 'lesson Y', 403],
  ['lessons', 'owner', 'delete', 'lesson Y', 403],
  ['lessons', 'teacher', 'retrieve', 'lesson X', 200],
  ['lessons', 'teacher', 'retrieve', 'lesson Z', 404],
  ['lessons', 'teacher', 'update', 'lesson X', 403],
  ['lessons', 'teacher', 'update', 'lesson Y', 404],
  ['lessons', 'teacher', 'delete', 'lesson X', 403],
  ['lessons', 'teacher', 'delete', 'lesson Z', 404],
  ['lessons', 'nogroup', 'retrieve', 'lesson X', 403],
  ['lessons', 'nogroup', 'update', 'lesson X', 403],
  ['lessons', 'nogroup', 'delete', 'lesson X', 403],
  ['lessons', 'anonymous', 'retrieve', 'lesson X', 401],
  ['lessons', 'anonymous', 'update', 'lesson X', 401],
  ['lessons', 'anonymous', 'delete', 'lesson X', 401],
];

/** Create cells: status of a valid create (owners' branches and employees land in partner A). */
const CREATES: [Res, Actor, number][] = [
  ['partners', 'superuser', 201],
  ['partners', 'owner', 403],
  ['partners', 'teacher', 403],
  ['partners', 'nogroup', 403],
  ['partners', 'anonymous', 401],
  ['branches', 'superuser', 201],
  ['branches', 'owner', 201],
  ['branches', 'teacher', 403],
  ['branches', 'nogroup', 403],
  ['branches', 'anonymous', 401],
  ['employees', 'superuser', 201],
  ['employees', 'owner', 201],
  ['employees', 'teacher', 403],
  ['employees', 'nogroup', 403],
  ['employees', 'anonymous', 401],
  ['users', 'superuser', 201],
  ['users', 'owner', 403],
  ['users', 'teacher', 403],
  ['users', 'nogroup', 403],
  ['users', 'anonymous', 401],
  ['groups', 'superuser', 201],
  ['groups', 'owner', 403],
  ['groups', 'teacher', 403],
  ['groups', 'nogroup', 403],
  ['groups', 'anonymous', 401],
  ['permissions', 'superuser', 201],
  ['permissions', 'owner', 403],
  ['permissions', 'teacher', 403],
  ['permissions', 'nogroup', 403],
  ['permissions', 'anonymous', 401],
  ['courses', 'superuser', 201],
  ['courses', 'owner', 403],
  ['courses', 'teacher', 403],
  ['courses', 'nogroup', 403],
  ['courses', 'anonymous', 401],
  ['categories', 'superuser', 201],
  ['categories', 'owner', 403],
  ['categories', 'teacher', 403],
  ['categories', 'nogroup', 403],
  ['categories', 'anonymous', 401],
  ['lessons', 'superuser', 201],
  ['lessons', 'owner', 403],
  ['lessons', 'teacher', 403],
  ['lessons', 'nogroup', 403],
  ['lessons', 'anonymous', 401],
];

describe('backoffice: the authorization matrix, cell by cell', () => {
  let agora: Agora;
  let w: World;
  let permissionIds: Record<string, number>;
  let groupIds: Record<string, number>;
  const session = (a: Actor): Session | undefined =>
    ({ superuser: w.su, owner: w.owner, teacher: w.teacher, nogroup: w.loner, anonymous: undefined })[a];

  beforeAll(async () => {
    agora = await testApp();
    w = await world(agora);
    const perms = [
      ...(await w.su.req('GET', `${API}/permissions/`)).json().results,
      ...(await w.su.req('GET', `${API}/permissions/?page=2`)).json().results,
    ];
    permissionIds = Object.fromEntries(perms.map((p: { codename: string; id: number }) => [p.codename, p.id]));
    groupIds = Object.fromEntries(
      (await w.su.req('GET', `${API}/groups/`)).json().results.map((g: { name: string; id: number }) => [g.name, g.id]),
    );
  }, 120_000);
  afterAll(async () => agora.app.close());

  /** Label ↔ id of the world's rows, per resource (ids of different tables may be equal). */
  const byResource = (): Record<Res, Record<string, string | number>> => ({
    partners: { 'partner A': w.ids.partnerA, 'partner B': w.ids.partnerB },
    branches: { 'branch A': w.ids.branchA, 'branch B': w.ids.branchB },
    employees: { 'teacher A': w.ids.teacherA, 'teacher B': w.ids.teacherB },
    users: {
      'owner A': w.ids.ownerA,
      'owner B': w.ids.ownerB,
      'no-group user': w.ids.loner,
      'teacher A': w.ids.teacherA,
      'teacher B': w.ids.teacherB,
    },
    groups: {
      'group owner': groupIds.owner!,
      'group superuser': groupIds.superuser!,
      'group teacher': groupIds.teacher!,
    },
    permissions: permissionIds,
    courses: { 'course X': w.ids.courseX, 'course Y': w.ids.courseY, 'course Z': w.ids.courseZ },
    categories: { category: w.ids.category },
    lessons: { 'lesson X': w.ids.lessonX, 'lesson Y': w.ids.lessonY, 'lesson Z': w.ids.lessonZ },
  });
  const label = (res: Res, row: Record<string, unknown>) => {
    const id = res === 'employees' ? (row.user as { id: string }).id : res === 'permissions' ? row.codename : row.id;
    if (res === 'permissions') return id as string;
    return Object.entries(byResource()[res]).find(([, v]) => v === id)?.[0] ?? `unknown ${String(id)}`;
  };
  const send = (
    a: Actor,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> => {
    const s = session(a);
    return s
      ? s.req(method, url, payload)
      : agora.app.inject({ method, url, ...(payload ? { payload: payload as object } : {}) });
  };

  /** A valid new row of each resource (as the caller would send it). */
  const newBody = (res: Res, forOwner = false): Record<string, unknown> => {
    const n = unique('m');
    switch (res) {
      case 'partners':
        return partnerBody(`Partner ${n}`);
      case 'branches':
        return branchBody(`Branch ${n}`, forOwner ? w.ids.partnerB : w.ids.partnerA);
      case 'employees':
        return employeeBody(
          `emp-${n}@school.test`,
          forOwner ? { partner: w.ids.partnerB } : { partner: w.ids.partnerA },
        );
      case 'users':
        return userBody(`user-${n}@school.test`);
      case 'groups':
        return { name: `group-${n}`, permissions: [permissionIds.view_course] };
      case 'permissions':
        return { name: `Can export ${n}`, codename: `export_${n.toLowerCase()}`, content_type: 'backoffice.partner' };
      case 'courses':
        return courseBody(`Course ${n}`);
      case 'categories':
        return { name: `Category ${n}` };
      case 'lessons':
        return { lesson_number: 2, name: `Lesson ${n}`, course: w.ids.courseZ };
    }
  };
  /** A valid PATCH per resource and caller. */
  const patch = (res: Res, a: Actor): Record<string, unknown> => {
    switch (res) {
      case 'partners':
        return { information: `note ${unique()}` };
      case 'branches':
        return { note: 'updated' };
      case 'employees':
        return { bank_account_number: 7654321 };
      case 'users':
        return { first_name: 'Renamed' };
      case 'groups':
        return { permissions: [permissionIds.view_lesson] };
      case 'permissions':
        return { name: `Renamed ${unique()}` };
      case 'courses':
        // An owner may change only the teachers (none of partner A's teach course Z, and none are added).
        return a === 'owner' ? { teachers: [] } : { note: 'updated' };
      case 'categories':
        return { name: `Category ${unique('r')}` };
      case 'lessons':
        return { description: 'updated' };
    }
  };
  /** Makes a row for a cell that deletes (or changes) it, as the superuser, in the caller's partner. */
  const fresh = async (res: Res): Promise<string | number> => {
    const made = await create(w.su, res, newBody(res));
    return res === 'employees' ? (made.user as { id: string }).id : made.id;
  };

  it.each(LISTS)('%s: %s lists → %i', async (res, actor, status, rows) => {
    const r = await send(actor, 'GET', `${API}/${res}/`);
    expect(r.statusCode, r.body).toBe(status);
    if (rows) expect(r.json().results.map((row: Record<string, unknown>) => label(res, row))).toEqual(rows);
    else expect(r.json()).toHaveProperty('detail');
  });

  it('lists the 36 permissions over two pages (the superuser)', async () => {
    const page2 = (await w.su.req('GET', `${API}/permissions/?page=2`)).json();
    expect(page2.count).toBe(36);
    expect(page2.results.map((p: { codename: string }) => p.codename)).toEqual([
      'add_lesson',
      'change_lesson',
      'delete_lesson',
      'view_lesson',
      'add_partner',
      'change_partner',
      'delete_partner',
      'view_partner',
      'add_permission',
      'change_permission',
      'delete_permission',
      'view_permission',
      'add_user',
      'change_user',
      'delete_user',
      'view_user',
    ]);
  });

  it.each(ONE)('%s: %s %s %s → %i', async (res, actor, action, target, status) => {
    const id = target === 'fresh' ? await fresh(res) : byResource()[res][target];
    const url = `${API}/${res}/${id}/`;
    const r =
      action === 'retrieve'
        ? await send(actor, 'GET', url)
        : action === 'update'
          ? await send(actor, 'PATCH', url, patch(res, actor))
          : await send(actor, 'DELETE', url);
    expect(r.statusCode, r.body).toBe(status);
    const after = await w.su.req('GET', url);
    if (action === 'delete') expect(after.statusCode).toBe(status === 204 ? 404 : 200);
    if (action === 'retrieve' && status === 200) expect(label(res, r.json())).toBe(target);
  });

  it.each(CREATES)('%s: %s creates → %i', async (res, actor, status) => {
    const r = await send(actor, 'POST', `${API}/${res}/`, newBody(res, actor === 'owner'));
    expect(r.statusCode, r.body).toBe(status);
    if (status === 201 && actor === 'owner') expect(r.json().partner).toBe(w.ids.partnerA);
  });

  describe('the owner of partner A against partner B', () => {
    const cases: [Res, 'partner B' | 'branch B' | 'teacher B'][] = [
      ['partners', 'partner B'],
      ['branches', 'branch B'],
      ['employees', 'teacher B'],
    ];
    it.each(cases)('%s: %s is not found for retrieve, update and delete', async (res, target) => {
      const url = `${API}/${res}/${byResource()[res][target]}/`;
      expect((await w.owner.req('GET', url)).statusCode).toBe(404);
      expect((await w.owner.req('PATCH', url, patch(res, 'owner'))).statusCode).toBe(404);
      expect((await w.owner.req('DELETE', url)).statusCode).toBe(404);
      expect((await w.su.req('GET', url)).statusCode).toBe(200);
    });

    it('cannot list B’s rows by filtering for them', async () => {
      for (const [res, q] of [
        ['branches', `partner_id=${w.ids.partnerB}`],
        ['employees', `partner_id=${w.ids.partnerB}`],
      ] as const) {
        const r = await w.owner.req('GET', `${API}/${res}/?${q}`);
        expect(r.statusCode).toBe(200);
        expect(r.json()).toMatchObject({ count: 0, results: [] });
      }
    });

    it('cannot move a branch or an employee to B, nor attach B’s rows', async () => {
      const b = await w.owner.req('PATCH', `${API}/branches/${w.ids.branchA}/`, { partner: w.ids.partnerB });
      expect(b.statusCode).toBe(200);
      expect(b.json().partner).toBe(w.ids.partnerA);
      const e = await w.owner.req('PATCH', `${API}/employees/${w.ids.teacherA}/`, { branches: [w.ids.branchB] });
      expect(e.statusCode).toBe(400);
      expect(e.json()).toEqual({ branches: [`Invalid pk "${w.ids.branchB}" - object does not exist.`] });
      // B's teacher is not on course Z: A's owner cannot attach them.
      const t = await w.owner.req('PATCH', `${API}/courses/${w.ids.courseZ}/`, { teachers: [w.ids.teacherB] });
      expect(t.statusCode).toBe(400);
      expect(t.json()).toEqual({ teachers: [`Invalid pk "${w.ids.teacherB}" - object does not exist.`] });
    });

    it('changes only the teachers of a course, and only its own partner’s', async () => {
      const other = await w.owner.req('PATCH', `${API}/courses/${w.ids.courseY}/`, { name: 'Renamed by owner' });
      expect(other.statusCode).toBe(403);
      const r = await w.owner.req('PATCH', `${API}/courses/${w.ids.courseY}/`, { teachers: [w.ids.teacherA] });
      expect(r.statusCode).toBe(200);
      // B's teacher stays: the owner replaced only partner A's teachers of course Y.
      expect([...r.json().teachers].sort()).toEqual([w.ids.teacherA, w.ids.teacherB].sort());
    });

    it('takes a course sent back as it was read: unchanged fields and teachers of other partners already on it', async () => {
      const read = (await w.owner.req('GET', `${API}/courses/${w.ids.courseY}/`)).json();
      expect([...read.teachers].sort()).toEqual([w.ids.teacherA, w.ids.teacherB].sort());
      const { image: _image, ...asRead } = read as Record<string, unknown>;
      // The list as read, less A's own teacher: A's teacher leaves, B's stays.
      const back = await w.owner.req('PUT', `${API}/courses/${w.ids.courseY}/`, {
        ...asRead,
        categories: [],
        teachers: [w.ids.teacherB],
      });
      expect(back.statusCode, back.body).toBe(200);
      expect(back.json().teachers).toEqual([w.ids.teacherB]);
      const patched = await w.owner.req('PATCH', `${API}/courses/${w.ids.courseY}/`, {
        name: read.name,
        min_age: String(read.min_age),
        teachers: [w.ids.teacherB, w.ids.teacherA],
      });
      expect(patched.statusCode, patched.body).toBe(200);
      expect([...patched.json().teachers].sort()).toEqual([w.ids.teacherA, w.ids.teacherB].sort());
      // A value that differs is still a change the owner may not make.
      const renamed = await w.owner.req('PATCH', `${API}/courses/${w.ids.courseY}/`, {
        name: `${String(read.name)}!`,
        teachers: [w.ids.teacherA],
      });
      expect(renamed.statusCode).toBe(403);
      expect((await w.su.req('GET', `${API}/courses/${w.ids.courseY}/`)).json().name).toBe(read.name);
    });
  });
});
