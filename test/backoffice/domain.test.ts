import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import {
  API,
  PASSWORD,
  branchBody,
  create,
  employeeBody,
  login,
  partnerBody,
  userBody,
  world,
  type World,
} from './helpers.js';

describe('backoffice: employees with nested users, partners, branches and their rules', () => {
  let agora: Agora;
  let w: World;
  beforeAll(async () => {
    agora = await testApp();
    w = await world(agora);
  }, 120_000);
  afterAll(async () => agora.app.close());

  const partner = async (id: number) => (await w.su.req('GET', `${API}/partners/${id}/`)).json();
  const identityUser = (email: string) =>
    agora.identity.service.passwordLogin({ login: email, password: PASSWORD, ip: '127.0.0.1' }).catch(() => undefined);

  it('creates an employee with its nested user in one request (201, the nested shape)', async () => {
    const email = `Nested-${unique()}@School.test`;
    const before = (await partner(w.ids.partnerA)).quantity_of_employees;
    const res = await w.su.req(
      'POST',
      `${API}/employees/`,
      employeeBody(
        email,
        { partner: w.ids.partnerA, branches: [w.ids.branchA], courses: [w.ids.courseX, w.ids.courseZ] },
        { patronymic: 'Sergeevna', gender: 'woman', birthday: '1990-05-01', phone_number: '+7 900 111-22-33' },
      ),
    );
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      user: {
        id: expect.any(String),
        email: email.toLowerCase(),
        username: email.toLowerCase(),
        first_name: 'Anna',
        last_name: 'Ivanova',
        patronymic: 'Sergeevna',
        gender: 'woman',
        birthday: '1990-05-01',
        image: null,
        phone_number: '+7 900 111-22-33',
        country: '',
        region: '',
        city: '',
        street: '',
        house: null,
        address_note: null,
        date_joined: expect.any(String),
      },
      bank_account_number: 12345678,
      status: 'Active',
      partner: w.ids.partnerA,
      branches: [w.ids.branchA],
      courses: [w.ids.courseX, w.ids.courseZ].sort((a, b) => a - b),
    });
    expect(body.user).not.toHaveProperty('password');
    expect(body.user).not.toHaveProperty('group');
    expect((await partner(w.ids.partnerA)).quantity_of_employees).toBe(before + 1);
    // The account logs in by its (lower-cased) email, and is in the teacher group.
    const s = await login(agora, email.toLowerCase());
    expect((await s.req('GET', `${API}/user-group-permissions/`)).json().group_name).toBe('teacher');
  });

  it('a bad nested field creates nothing: no identity account, no user, no employee', async () => {
    const email = `rollback-${unique()}@school.test`;
    const before = (await partner(w.ids.partnerA)).quantity_of_employees;
    const res = await w.su.req(
      'POST',
      `${API}/employees/`,
      employeeBody(email, { partner: w.ids.partnerA }, { gender: 'alien', birthday: '31-12-1990' }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      user: {
        gender: ['"alien" is not a valid choice.'],
        birthday: ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'],
      },
    });
    const mixed = await w.su.req(
      'POST',
      `${API}/employees/`,
      employeeBody(email, { partner: 999999, bank_account_number: 'x' }, { email: 'not-an-email' }),
    );
    expect(mixed.json()).toEqual({
      user: { email: ['Enter a valid email address.'] },
      bank_account_number: ['A valid integer is required.'],
      partner: ['Invalid pk "999999" - object does not exist.'],
    });
    expect(await identityUser(email)).toBeUndefined();
    expect(await agora.identity.service.getUserByUsername(email)).toBeUndefined();
    const users = (await w.su.req('GET', `${API}/users/?search=${encodeURIComponent(email)}`)).json();
    expect(users.count).toBe(0);
    expect((await partner(w.ids.partnerA)).quantity_of_employees).toBe(before);
  });

  it('a failure after the account was made rolls it back: two creates racing for one phone number', async () => {
    const phone = `+7 ${Math.floor(1e8 + Math.random() * 8e8)}`;
    const emails = [`race-a-${unique()}@school.test`, `race-b-${unique()}@school.test`];
    const results = await Promise.all(
      emails.map((e) =>
        w.su.req('POST', `${API}/employees/`, employeeBody(e, { partner: w.ids.partnerB }, { phone_number: phone })),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([201, 400]);
    const lost = results.findIndex((r) => r.statusCode === 400);
    expect(results[lost]!.json()).toEqual({ user: { phone_number: ['user with this phone number already exists.'] } });
    // Nothing of the loser is left: its identity account (if one was made) no longer logs in or holds the email.
    expect(await identityUser(emails[lost]!)).toBeUndefined();
    expect(await agora.identity.service.getUserByUsername(emails[lost]!)).toBeUndefined();
    const again = await w.su.req('POST', `${API}/employees/`, employeeBody(emails[lost]!, { partner: w.ids.partnerB }));
    expect(again.statusCode).toBe(201);
  });

  it('a failure inside the write transaction retires the account already made (injected by a trigger)', async () => {
    const { database } = agora.ctx;
    await database.exec(`create or replace function backoffice.test_fail() returns trigger as $$
      begin if new.bank_account_number = 666 then raise exception 'injected failure'; end if; return new; end $$ language plpgsql;
      create trigger test_fail before insert on backoffice.employees for each row execute function backoffice.test_fail();`);
    try {
      const email = `injected-${unique()}@school.test`;
      const before = (await partner(w.ids.partnerA)).quantity_of_employees;
      const res = await w.su.req(
        'POST',
        `${API}/employees/`,
        employeeBody(email, { partner: w.ids.partnerA, bank_account_number: 666 }),
      );
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ detail: 'A server error occurred.' });
      expect(await identityUser(email)).toBeUndefined();
      expect(await agora.identity.service.getUserByUsername(email)).toBeUndefined();
      expect((await w.su.req('GET', `${API}/users/?search=${encodeURIComponent(email)}`)).json().count).toBe(0);
      expect((await partner(w.ids.partnerA)).quantity_of_employees).toBe(before);
    } finally {
      await database.exec('drop trigger test_fail on backoffice.employees; drop function backoffice.test_fail();');
    }
  });

  it('owners create employees in their own partner, never superusers', async () => {
    const res = await w.owner.req(
      'POST',
      `${API}/employees/`,
      employeeBody(`own-${unique()}@school.test`, { partner: w.ids.partnerB }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json().partner).toBe(w.ids.partnerA);
    const su = await w.owner.req(
      'POST',
      `${API}/employees/`,
      employeeBody(`own-${unique()}@school.test`, {}, { group: 'superuser' }),
    );
    expect(su.statusCode).toBe(400);
    expect(su.json()).toEqual({ user: { group: ["Employee can't be a superuser."] } });
    const noGroup = await w.owner.req(
      'POST',
      `${API}/employees/`,
      employeeBody(`own-${unique()}@school.test`, {}, { group: 'wizard' }),
    );
    expect(noGroup.json()).toEqual({ user: { group: ['Object with name=wizard does not exist.'] } });
  });

  it('the users API gives the working groups only, and permissions name a model of the module', async () => {
    const su = await w.su.req('POST', `${API}/users/`, userBody(`su-${unique()}@school.test`, { group: 'superuser' }));
    expect(su.statusCode).toBe(400);
    expect(su.json()).toEqual({ group: ['"superuser" is not a valid choice.'] });
    const teacher = await w.su.req(
      'POST',
      `${API}/users/`,
      userBody(`t-${unique()}@school.test`, { group: 'teacher' }),
    );
    expect(teacher.statusCode).toBe(201);
    const n = unique('fly').replace(/\W/g, '_').toLowerCase();
    for (const content_type of [5, 'auth.user', 'backoffice.spaceship', '']) {
      const bad = await w.su.req('POST', `${API}/permissions/`, { name: `Can fly ${n}`, codename: n, content_type });
      expect(bad.statusCode, String(content_type)).toBe(400);
      expect(Object.keys(bad.json()), String(content_type)).toEqual(['content_type']);
    }
    const good = await w.su.req('POST', `${API}/permissions/`, {
      name: `Can fly ${n}`,
      codename: n,
      content_type: 'backoffice.course',
    });
    expect(good.statusCode).toBe(201);
    expect(good.json()).toMatchObject({ codename: n, content_type: 'backoffice.course' });
  });

  it('updates nested: PATCH changes what it names; PUT needs the user', async () => {
    const e = await create(w.su, 'employees', employeeBody(`upd-${unique()}@school.test`, { partner: w.ids.partnerA }));
    const id = (e.user as { id: string }).id;
    const patch = await w.owner.req('PATCH', `${API}/employees/${id}/`, {
      status: 'left',
      user: { first_name: 'Vera' },
      courses: [w.ids.courseX],
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(patch.json()).toMatchObject({
      status: 'Left',
      user: { first_name: 'Vera', last_name: 'Ivanova' },
      courses: [w.ids.courseX],
    });
    expect((await agora.identity.service.getUser(id))!.firstName).toBe('Vera');
    const put = await w.owner.req('PUT', `${API}/employees/${id}/`, { bank_account_number: 1 });
    expect(put.statusCode).toBe(400);
    expect(put.json()).toEqual({ user: ['This field is required.'] });
    const bad = await w.owner.req('PATCH', `${API}/employees/${id}/`, { status: 'retired' });
    expect(bad.json()).toEqual({ status: ['"retired" is not a valid choice.'] });
  });

  it('deleting an employee deletes its user and deactivates the identity account: its sessions end at once', async () => {
    const email = `gone-${unique()}@school.test`;
    const e = await create(w.su, 'employees', employeeBody(email, { partner: w.ids.partnerA }));
    const id = (e.user as { id: string }).id;
    const s = await login(agora, email);
    expect((await s.req('GET', `${API}/courses/`)).statusCode).toBe(200);
    const count = (await partner(w.ids.partnerA)).quantity_of_employees;
    expect((await w.owner.req('DELETE', `${API}/employees/${id}/`)).statusCode).toBe(204);
    expect((await w.su.req('GET', `${API}/users/${id}/`)).statusCode).toBe(404);
    expect((await w.su.req('GET', `${API}/employees/${id}/`)).json()).toEqual({
      detail: 'No Employee matches the given query.',
    });
    expect((await agora.identity.service.getUser(id))!.isActive).toBe(false);
    const after = await s.req('GET', `${API}/courses/`);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ detail: 'User is inactive', code: 'user_inactive' });
    expect((await partner(w.ids.partnerA)).quantity_of_employees).toBe(count - 1);
    // The email is free again.
    expect(
      (await w.su.req('POST', `${API}/employees/`, employeeBody(email, { partner: w.ids.partnerA }))).statusCode,
    ).toBe(201);
  });

  it('partners: required fields, defaults, owner rules and counts kept on write', async () => {
    const empty = await w.su.req('POST', `${API}/partners/`, {});
    expect(empty.json()).toEqual({
      name: ['This field is required.'],
      legal_entity: ['This field is required.'],
      country: ['This field is required.'],
      region: ['This field is required.'],
      city: ['This field is required.'],
      street: ['This field is required.'],
      house: ['This field is required.'],
    });
    const p = await create(w.su, 'partners', partnerBody(`Defaults ${unique()}`));
    expect(p).toMatchObject({
      status: 'Active',
      information: null,
      address_note: null,
      owner: null,
      quantity_of_branches: 0,
      quantity_of_employees: 0,
    });
    expect(p.creating_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const notOwner = await w.su.req('PATCH', `${API}/partners/${p.id}/`, { owner: w.ids.loner });
    expect(notOwner.json()).toEqual({ non_field_errors: ['Owner must be in an owner group.'] });
    const taken = await w.su.req('PATCH', `${API}/partners/${p.id}/`, { owner: w.ids.ownerA });
    expect(taken.json()).toEqual({ owner: ['partner with this owner already exists.'] });
    const long = await w.su.req('PATCH', `${API}/partners/${p.id}/`, {
      house: 40000,
      status: 'closed',
      name: 'x'.repeat(256),
    });
    expect(long.json()).toEqual({
      name: ['Ensure this field has no more than 255 characters.'],
      status: ['"closed" is not a valid choice.'],
      house: ['Ensure this value is less than or equal to 32767.'],
    });
    // Branch and employee counts follow creates, moves and deletes.
    const b = await create(w.su, 'branches', branchBody(`Counted ${unique()}`, p.id));
    const e = await create(
      w.su,
      'employees',
      employeeBody(`counted-${unique()}@school.test`, { partner: p.id, branches: [b.id] }),
    );
    expect(await partner(p.id)).toMatchObject({ quantity_of_branches: 1, quantity_of_employees: 1 });
    const moved = await w.su.req('PATCH', `${API}/employees/${(e.user as { id: string }).id}/`, {
      partner: w.ids.partnerB,
    });
    expect(moved.json()).toMatchObject({ partner: w.ids.partnerB, branches: [] });
    expect(await partner(p.id)).toMatchObject({ quantity_of_branches: 1, quantity_of_employees: 0 });
    expect((await w.su.req('DELETE', `${API}/branches/${b.id}/`)).statusCode).toBe(204);
    expect(await partner(p.id)).toMatchObject({ quantity_of_branches: 0, quantity_of_employees: 0 });
  });

  it('who owns or works for a partner is cached, and every change to it is seen on the next request', async () => {
    const x = await create(w.su, 'users', userBody(`x-${unique()}@school.test`, { group: 'owner' }));
    const y = await create(w.su, 'users', userBody(`y-${unique()}@school.test`, { group: 'owner' }));
    const p = await create(w.su, 'partners', partnerBody(`Scoped ${unique()}`, x.id as unknown as string));
    const sx = await login(agora, x.email as string);
    const sy = await login(agora, y.email as string);
    const mine = async (s: typeof sx, res = 'partners') =>
      (await s.req('GET', `${API}/${res}/`)).json().results.map((r: { id: number }) => r.id);
    expect(await mine(sx)).toEqual([p.id]);
    expect(await mine(sy)).toEqual([]);
    await w.su.req('PATCH', `${API}/partners/${p.id}/`, { owner: y.id });
    expect(await mine(sx)).toEqual([]);
    expect(await mine(sy)).toEqual([p.id]);
    // A teacher moved to another partner sees the new partner's branches at once; a deleted partner, nothing.
    const email = `moving-${unique()}@school.test`;
    const t = await create(w.su, 'employees', employeeBody(email, { partner: w.ids.partnerA }));
    const st = await login(agora, email);
    expect(await mine(st)).toEqual([w.ids.partnerA]);
    await w.su.req('PATCH', `${API}/employees/${(t.user as { id: string }).id}/`, { partner: p.id });
    expect(await mine(st)).toEqual([p.id]);
    expect((await w.su.req('DELETE', `${API}/partners/${p.id}/`)).statusCode).toBe(204);
    expect(await mine(sy)).toEqual([]); // the owner stays, with no partner
    // Deleting the partner deleted its employees, and so their users, as deleting an employee does: the
    // teacher's session ends at once and the account no longer signs in.
    const userId = (t.user as { id: string }).id;
    expect((await st.req('GET', `${API}/partners/`)).statusCode).toBe(401);
    expect((await w.su.req('GET', `${API}/users/${userId}/`)).statusCode).toBe(404);
    expect((await w.su.req('GET', `${API}/employees/${userId}/`)).statusCode).toBe(404);
    await expect(login(agora, email)).rejects.toThrow(/login failed: 401/);
  });

  it('branches keep only employees of their partner, and PUT replaces the whole branch', async () => {
    const b = await create(w.su, 'branches', {
      ...branchBody(`Mixed ${unique()}`, w.ids.partnerA),
      employees: [w.ids.teacherA, w.ids.teacherB],
    });
    // As the original's BranchSerializer: another partner's employee is dropped silently.
    expect(b.employees).toEqual([w.ids.teacherA]);
    const put = await w.su.req('PUT', `${API}/branches/${b.id}/`, {
      ...branchBody('Renamed', w.ids.partnerA),
      status: 'inactive',
      note: 'closed for summer',
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      name: 'Renamed',
      status: 'Inactive',
      note: 'closed for summer',
      employees: [w.ids.teacherA],
    });
    const partial = await w.su.req('PUT', `${API}/branches/${b.id}/`, { name: 'Only a name' });
    expect(partial.statusCode).toBe(400);
    expect(Object.keys(partial.json())).toEqual([
      'opening_date',
      'partner',
      'area',
      'country',
      'region',
      'city',
      'street',
      'house',
      'floor',
    ]);
  });

  it('an account renamed in identity shows its new names here once a worker takes identity.user.updated', async () => {
    const email = `renamed-${unique()}@school.test`;
    const e = await create(w.su, 'employees', employeeBody(email, { partner: w.ids.partnerA }));
    const id = (e.user as { id: string }).id;
    await agora.identity.service.updateProfile(id, { username: `${unique('new')}`, firstName: 'Zinaida' });
    const seen = async () =>
      (await w.owner.req('GET', `${API}/employees/?search=zinaida`))
        .json()
        .results.map((r: { user: { id: string } }) => r.user.id);
    const stop = agora.startWorkers();
    try {
      for (let i = 0; i < 100 && !(await seen()).includes(id); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await seen()).toEqual([id]);
    } finally {
      await stop();
    }
  });

  it('a name changed in identity without a rename shows here once a worker takes identity.user.updated', async () => {
    const email = `updated-${unique()}@school.test`;
    const e = await create(w.su, 'employees', employeeBody(email, { partner: w.ids.partnerA }));
    const id = (e.user as { id: string }).id;
    await agora.identity.service.updateProfile(id, { lastName: 'Vorontsova' });
    const seen = async () =>
      (await w.owner.req('GET', `${API}/employees/?search=vorontsova`))
        .json()
        .results.map((r: { user: { id: string } }) => r.user.id);
    const stop = agora.startWorkers();
    try {
      for (let i = 0; i < 100 && !(await seen()).includes(id); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await seen()).toEqual([id]);
    } finally {
      await stop();
    }
  });

  it('users: unique email and phone, write-only password and group, superusers only', async () => {
    const email = `user-${unique()}@school.test`;
    const u = await create(w.su, 'users', userBody(email, { phone_number: '+7 912 000 11 22', group: 'teacher' }));
    const dup = await w.su.req(
      'POST',
      `${API}/users/`,
      userBody(email.toUpperCase(), { phone_number: '+7 912 000 11 22' }),
    );
    expect(dup.json()).toEqual({
      email: ['user with this email already exists.'],
      phone_number: ['user with this phone number already exists.'],
    });
    const noPassword = await w.su.req('POST', `${API}/users/`, { email: `x-${unique()}@school.test` });
    expect(noPassword.json()).toEqual({ password: ['This field is required.'] });
    const changed = await w.su.req('PATCH', `${API}/users/${u.id}/`, { password: 'a new password 2', group: 'owner' });
    expect(changed.statusCode).toBe(200);
    const s = await login(agora, email, 'a new password 2');
    expect((await s.req('GET', `${API}/user-group-permissions/`)).json().group_name).toBe('owner');
  });
  it('reads need the view permission: a group without view_partner gets 403 on partners', async () => {
    const groups = (await w.su.req('GET', `${API}/groups/`)).json().results as {
      id: number;
      name: string;
      permissions: number[];
    }[];
    const teacher = groups.find((g) => g.name === 'teacher')!;
    const perms = [...(await w.su.req('GET', `${API}/permissions/?search=view partner`)).json().results] as {
      id: number;
      codename: string;
    }[];
    const viewPartner = perms.find((p) => p.codename === 'view_partner')!.id;
    expect((await w.teacher.req('GET', `${API}/partners/`)).statusCode).toBe(200);
    await w.su.req('PATCH', `${API}/groups/${teacher.id}/`, {
      permissions: teacher.permissions.filter((id) => id !== viewPartner),
    });
    try {
      // Identity forgets the cached actors of the group's members: the same session sees the change at once.
      expect((await w.teacher.req('GET', `${API}/partners/`)).statusCode).toBe(403);
      expect((await w.teacher.req('GET', `${API}/partners/${w.ids.partnerA}/`)).statusCode).toBe(403);
      expect((await w.teacher.req('GET', `${API}/branches/`)).statusCode).toBe(200);
    } finally {
      await w.su.req('PATCH', `${API}/groups/${teacher.id}/`, { permissions: teacher.permissions });
    }
    expect((await w.teacher.req('GET', `${API}/partners/`)).statusCode).toBe(200);
  });
});
