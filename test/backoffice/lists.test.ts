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
  world,
  type Session,
  type World,
} from './helpers.js';

const names = (res: { json(): { results: Record<string, unknown>[] } }, key = 'name') =>
  res.json().results.map((r) => r[key]);

describe('backoffice lists: filters, DRF pagination, category ancestors', () => {
  let agora: Agora;
  let w: World;
  let su: Session;
  beforeAll(async () => {
    agora = await testApp();
    w = await world(agora);
    su = w.su;
  }, 120_000);
  afterAll(async () => agora.app.close());
  const get = (url: string, as: Session = su) => as.req('GET', url);

  it('partners: search (every word, name or legal entity), status, date', async () => {
    const t = unique('p');
    await create(su, 'partners', { ...partnerBody(`Robo School ${t}`), legal_entity: `Kazan Robotics ${t}` });
    await create(su, 'partners', { ...partnerBody(`Robo Club ${t}`), status: 'inactive' });
    expect(names(await get(`${API}/partners/?search=robo ${t}`))).toEqual([`Robo School ${t}`, `Robo Club ${t}`]);
    expect(names(await get(`${API}/partners/?search=robotics ${t}`))).toEqual([`Robo School ${t}`]);
    expect(names(await get(`${API}/partners/?search=robo ${t} nowhere`))).toEqual([]);
    expect(names(await get(`${API}/partners/?search=${t}&status=inactive`))).toEqual([`Robo Club ${t}`]);
    const today = (await get(`${API}/partners/${w.ids.partnerA}/`)).json().creating_date as string;
    expect((await get(`${API}/partners/?search=${t}&date=${today}`)).json().count).toBe(2);
    expect((await get(`${API}/partners/?search=${t}&date=2001-01-01`)).json().count).toBe(0);
    const bad = await get(`${API}/partners/?status=closed&date=2024-13-01`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      status: ['Select a valid choice. closed is not one of the available choices.'],
      date: ['Enter a valid date.'],
    });
  });

  it('branches: partner_id, search, status, date', async () => {
    const t = unique('b');
    await create(su, 'branches', { ...branchBody(`North ${t}`, w.ids.partnerA), opening_date: '2021-09-01' });
    await create(su, 'branches', { ...branchBody(`South ${t}`, w.ids.partnerB), status: 'inactive' });
    expect(names(await get(`${API}/branches/?search=${t}`))).toEqual([`North ${t}`, `South ${t}`]);
    expect(names(await get(`${API}/branches/?search=${t}&partner_id=${w.ids.partnerB}`))).toEqual([`South ${t}`]);
    expect(names(await get(`${API}/branches/?search=${t}&status=inactive`))).toEqual([`South ${t}`]);
    expect(names(await get(`${API}/branches/?search=${t}&date=2021-09-01`))).toEqual([`North ${t}`]);
    expect(names(await get(`${API}/branches/?search=north ${t}`))).toEqual([`North ${t}`]);
    expect((await get(`${API}/branches/?partner_id=abc`)).json()).toEqual({ partner_id: ['Enter a number.'] });
  });

  it('employees: partner_id, course_id, search (every word a name or the email), status, group', async () => {
    const t = unique('e').toLowerCase();
    const mk = (first: string, last: string, extra: Record<string, unknown>, user: Record<string, unknown> = {}) =>
      create(
        su,
        'employees',
        employeeBody(`${first.toLowerCase()}.${t}@school.test`, extra, { first_name: first, last_name: last, ...user }),
      );
    await mk('Anna', 'Petrova', { partner: w.ids.partnerA, courses: [w.ids.courseZ] }, { patronymic: 'Olegovna' });
    await mk('Boris', 'Annenkov', { partner: w.ids.partnerB, status: 'fired' });
    await mk('Clara', 'Smirnova', { partner: w.ids.partnerA }, { group: 'owner' });
    const emails = (q: string, as: Session = su) =>
      get(`${API}/employees/?${q}`, as).then((r) =>
        r.json().results.map((e: { user: { email: string } }) => e.user.email.split('.')[0]),
      );
    expect(await emails(`search=${t}`)).toEqual(['anna', 'boris', 'clara']);
    expect(await emails(`search=ann ${t}`)).toEqual(['anna', 'boris']);
    expect(await emails(`search=ANNA petrova ${t}`)).toEqual(['anna']);
    expect(await emails(`search=olegovna ${t}`)).toEqual(['anna']);
    expect(await emails(`search=anna smirnova ${t}`)).toEqual([]);
    expect(await emails(`search=${t}&partner_id=${w.ids.partnerA}`)).toEqual(['anna', 'clara']);
    expect(await emails(`search=${t}&course_id=${w.ids.courseZ}`)).toEqual(['anna']);
    expect(await emails(`search=${t}&status=fired`)).toEqual(['boris']);
    expect(await emails(`search=${t}&group=owner`)).toEqual(['clara']);
    expect(await emails(`search=${t}&group=teacher`)).toEqual(['anna', 'boris']);
    // The owner's view is their partner's only, whatever the filter.
    expect(await emails(`search=${t}`, w.owner)).toEqual(['anna', 'clara']);
    expect((await get(`${API}/employees/?status=gone`)).statusCode).toBe(400);
    // A renamed user is found by the new name, in a partner's list too (its employee's copy of the text follows).
    const clara = (await get(`${API}/employees/?search=clara ${t}`)).json().results[0].user.id as string;
    await su.req('PATCH', `${API}/users/${clara}/`, { first_name: 'Klara', email: `zoe.${t}@school.test` });
    expect(await emails(`search=klara ${t}`, w.owner)).toEqual(['zoe']);
    expect(await emails(`search=clara ${t}`, w.owner)).toEqual([]);
    expect(await emails(`search=klara ${t}`)).toEqual(['zoe']);
  });

  it('courses: teacher, search, status, category, age between min and max', async () => {
    const t = unique('c');
    const cat = await create(su, 'categories', { name: `Robotics ${t}` });
    await create(
      su,
      'courses',
      courseBody(`Lego robots ${t}`, { min_age: 6, max_age: 9, status: 'active', categories: [cat.id] }),
    );
    await create(su, 'courses', courseBody(`Arduino robots ${t}`, { min_age: 12, max_age: 16, status: 'archived' }));
    expect(names(await get(`${API}/courses/?search=robots ${t}`))).toEqual([`Lego robots ${t}`, `Arduino robots ${t}`]);
    expect(names(await get(`${API}/courses/?search=${t}&status=archived`))).toEqual([`Arduino robots ${t}`]);
    expect(names(await get(`${API}/courses/?search=${t}&category=${cat.id}`))).toEqual([`Lego robots ${t}`]);
    expect(names(await get(`${API}/courses/?search=${t}&age=9`))).toEqual([`Lego robots ${t}`]);
    expect(names(await get(`${API}/courses/?search=${t}&age=12`))).toEqual([`Arduino robots ${t}`]);
    expect(names(await get(`${API}/courses/?search=${t}&age=10`))).toEqual([]);
    const taught = await get(`${API}/courses/?teacher=${w.ids.teacherB}`);
    expect(taught.json().results.map((c: { id: number }) => c.id)).toEqual([w.ids.courseY]);
    const hidden = (await get(`${API}/courses/${w.ids.courseZ}/`)).json();
    expect(hidden.status).toBe('Hidden');
    const bad = await get(`${API}/courses/?teacher=nobody&age=old`);
    expect(bad.json()).toEqual({ teacher: ['Enter a valid UUID.'], age: ['Enter a number.'] });
  });

  it('lessons by course_id; permissions by search', async () => {
    await create(su, 'lessons', { lesson_number: 2, name: 'Second X', course: w.ids.courseX });
    expect(names(await get(`${API}/lessons/?course_id=${w.ids.courseX}`)).length).toBe(2);
    expect(
      (await get(`${API}/lessons/?course_id=${w.ids.courseX}`))
        .json()
        .results.map((l: { lesson_number: number }) => l.lesson_number),
    ).toEqual([1, 2]);
    expect(names(await get(`${API}/permissions/?search=PARTNER`))).toEqual([
      'Can add partner',
      'Can change partner',
      'Can delete partner',
      'Can view partner',
    ]);
  });

  it('expands a course’s categories with their ancestors, each once', async () => {
    const t = unique('t');
    const root = await create(su, 'categories', { name: `Root ${t}` });
    const mid = await create(su, 'categories', { name: `Mid ${t}`, parent: root.id });
    const leaf = await create(su, 'categories', { name: `Leaf ${t}`, parent: mid.id });
    const other = await create(su, 'categories', { name: `Other ${t}` });
    const sibling = await create(su, 'categories', { name: `Sibling ${t}`, parent: mid.id });
    const c = await create(su, 'courses', courseBody(`Tree ${t}`, { categories: [leaf.id, other.id, sibling.id] }));
    expect(c.categories).toEqual([
      { id: root.id, name: `Root ${t}`, parent: null },
      { id: mid.id, name: `Mid ${t}`, parent: root.id },
      { id: leaf.id, name: `Leaf ${t}`, parent: mid.id },
      { id: other.id, name: `Other ${t}`, parent: null },
      { id: sibling.id, name: `Sibling ${t}`, parent: mid.id },
    ]);
    const listed = (await get(`${API}/courses/?search=tree ${t}`)).json().results[0];
    expect(listed.categories).toEqual(c.categories);
  });

  it('category parents: a cycle or itself is a 400, names are unique', async () => {
    const t = unique('cy');
    const a = await create(su, 'categories', { name: `A ${t}` });
    const b = await create(su, 'categories', { name: `B ${t}`, parent: a.id });
    const c = await create(su, 'categories', { name: `C ${t}`, parent: b.id });
    const cycle = await su.req('PATCH', `${API}/categories/${a.id}/`, { parent: c.id });
    expect(cycle.statusCode).toBe(400);
    expect(cycle.json()).toEqual({
      parent: ['A category cannot be its own ancestor: this parent would make a cycle.'],
    });
    expect((await su.req('PATCH', `${API}/categories/${b.id}/`, { parent: b.id })).statusCode).toBe(400);
    expect((await su.req('PATCH', `${API}/categories/${c.id}/`, { parent: null })).json()).toEqual({
      id: c.id,
      name: `C ${t}`,
      parent: null,
    });
    expect((await su.req('POST', `${API}/categories/`, { name: `A ${t}` })).json()).toEqual({
      name: ['category with this name already exists.'],
    });
    expect((await su.req('POST', `${API}/categories/`, { name: `D ${t}`, parent: 'x' })).json()).toEqual({
      parent: ['Incorrect type. Expected pk value, received str.'],
    });
  });

  describe('pagination', () => {
    it('20 a page with absolute next/previous links that keep the other parameters', async () => {
      const first = await get(`${API}/permissions/?search=Can&page=1`);
      expect(first.json()).toMatchObject({
        count: 36,
        next: 'http://localhost:80/backoffice/api/permissions/?page=2&search=Can',
        previous: null,
      });
      expect(first.json().results).toHaveLength(20);
      const second = await get(`${API}/permissions/?search=Can&page=2`);
      expect(second.json()).toMatchObject({
        next: null,
        previous: 'http://localhost:80/backoffice/api/permissions/?search=Can',
      });
      expect(second.json().results).toHaveLength(16);
      expect((await get(`${API}/permissions/?page=last`)).json().results).toHaveLength(16);
      const spaced = await get(`${API}/permissions/?search=Can+view`);
      expect(spaced.json()).toMatchObject({ count: 9, next: null, previous: null });
    });

    it('a page out of range or not a number is 404 "Invalid page."', async () => {
      for (const page of ['3', '0', 'abc', '-1']) {
        const res = await get(`${API}/permissions/?page=${page}`);
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ detail: 'Invalid page.' });
      }
      const empty = await get(`${API}/partners/?search=nothing-matches-${unique()}`);
      expect(empty.json()).toEqual({ count: 0, next: null, previous: null, results: [] });
    });

    it('links follow the request’s scheme and host, from X-Forwarded-* only behind a trusted proxy', async () => {
      const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'school.example' };
      expect((await su.req('GET', `${API}/permissions/`, undefined, headers)).json().next).toBe(
        'http://localhost:80/backoffice/api/permissions/?page=2',
      );
      const proxied = await testApp({ TRUST_PROXY: 'true' });
      try {
        const res = await proxied.app.inject({
          url: `${API}/permissions/`,
          headers: { ...headers, cookie: `access_token=${su.access}` },
        });
        expect(res.json().next).toBe('https://school.example/backoffice/api/permissions/?page=2');
      } finally {
        await proxied.app.close();
      }
    });
  });
});

describe('backoffice lists: statements per request do not grow with the page or the related rows', () => {
  let agora: Agora;
  let w: World;
  beforeAll(async () => {
    agora = await testApp();
    w = await world(agora);
    const su = w.su;
    // Partner A ends with 24 employees (teacher A and 23 more), each in 3 branches and teaching 3 courses; 24 courses
    // with categories, teachers and lessons; 24 branches; users, permissions and groups enough for a full page.
    const branches = [w.ids.branchA];
    for (let i = 0; i < 23; i++)
      branches.push((await create(su, 'branches', branchBody(`QB ${i}`, w.ids.partnerA))).id);
    const courses = [w.ids.courseX, w.ids.courseY, w.ids.courseZ];
    for (let i = 0; i < 21; i++)
      courses.push((await create(su, 'courses', courseBody(`QC ${i}`, { categories: [w.ids.category] }))).id);
    for (let i = 0; i < 23; i++) {
      await create(
        su,
        'employees',
        employeeBody(`q${i}-${unique()}@school.test`, {
          partner: w.ids.partnerA,
          branches: branches.slice(i, i + 3),
          courses: courses.slice(i, i + 3),
        }),
      );
    }
    for (let i = 0; i < 22; i++)
      await create(su, 'lessons', { lesson_number: i + 2, name: `QL ${i}`, course: w.ids.courseX });
    for (let i = 0; i < 20; i++) await create(su, 'partners', partnerBody(`QP ${i}`));
    for (let i = 0; i < 20; i++) await create(su, 'categories', { name: `QK ${i} ${unique()}` });
    const perms = (await su.req('GET', `${API}/permissions/`))
      .json()
      .results.slice(0, 3)
      .map((p: { id: number }) => p.id);
    for (let i = 0; i < 20; i++) await create(su, 'groups', { name: `qg-${i}-${unique()}`, permissions: perms });
  }, 300_000);
  afterAll(async () => agora.app.close());

  /** Statements one request runs (after a warm-up request, so the caller's credential is cached). */
  async function statements(as: Session, url: string) {
    await as.req('GET', url);
    const before = agora.ctx.database.queryCount();
    const res = await as.req('GET', url);
    expect(res.statusCode, res.body).toBe(200);
    return { n: agora.ctx.database.queryCount() - before, rows: res.json().results.length as number };
  }

  const cases: [string, 'su' | 'owner', string, string][] = [
    ['partners', 'su', 'partners/?page=2', 'partners/?page=1'],
    ['branches', 'owner', 'branches/?search=Branch', 'branches/?page=1'],
    ['employees', 'owner', 'employees/?search=teacher-a', 'employees/?page=1'],
    ['users', 'su', 'users/?search=owner-a', 'users/?page=1'],
    ['groups', 'su', 'groups/?page=2', 'groups/?page=1'],
    ['permissions', 'su', 'permissions/?page=2', 'permissions/?page=1'],
    ['courses', 'owner', 'courses/?page=2', 'courses/?page=1'],
    ['categories', 'su', 'categories/?page=2', 'categories/?page=1'],
    ['lessons', 'owner', 'lessons/?page=2', 'lessons/?page=1'],
  ];
  it.each(cases)('%s (%s): the same statements for a short page and a full one', async (_name, who, small, full) => {
    const as = who === 'su' ? w.su : w.owner;
    const a = await statements(as, `${API}/${small}`);
    const b = await statements(as, `${API}/${full}`);
    console.log(`${_name}: ${a.n} statements for ${a.rows} rows, ${b.n} for ${b.rows} rows`);
    expect(a.rows).toBeLessThan(b.rows);
    expect(b.rows).toBe(20);
    expect(b.n).toBe(a.n);
    expect(b.n).toBeLessThanOrEqual(4);
  });
});
