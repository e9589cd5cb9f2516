import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { resetDatabase } from '../helpers/db.js';
import { API, login } from './helpers.js';

const seedOf = (agora: Agora) => agora.modules.find((m) => m.name === 'backoffice')!.seed!();

/** The seeded rows by their natural keys (no ids), so two databases can be compared. */
async function snapshot(agora: Agora) {
  const q = async (text: ReturnType<typeof sql>) =>
    ((await agora.ctx.database.db.execute(text)) as unknown as { rows: Record<string, unknown>[] }).rows;
  return {
    partners:
      await q(sql`select p.name, p.legal_entity, p.status, p.city, p.house, u.email as owner, p.branch_count, p.employee_count
      from backoffice.partners p left join backoffice.users u on u.user_id = p.owner_id order by p.name`),
    branches: await q(sql`select b.name, p.name as partner, b.opening_date::text, b.area, b.street, b.house, b.floor
      from backoffice.branches b join backoffice.partners p on p.id = b.partner_id order by b.name`),
    people:
      await q(sql`select u.email, u.first_name, u.last_name, u.patronymic, u.gender, u.city, u.phone_number, g.name as "group",
      e.bank_account_number, p.name as partner,
      array(select b.name from backoffice.employee_branches eb join backoffice.branches b on b.id = eb.branch_id where eb.employee_id = u.user_id order by 1) as branches,
      array(select c.name from backoffice.employee_courses ec join backoffice.courses c on c.id = ec.course_id where ec.employee_id = u.user_id order by 1) as courses
      from backoffice.users u left join backoffice.groups g on g.id = u.group_id left join backoffice.employees e on e.user_id = u.user_id
      left join backoffice.partners p on p.id = e.partner_id order by u.email`),
    categories: await q(
      sql`select c.name, p.name as parent from backoffice.categories c left join backoffice.categories p on p.id = c.parent_id order by c.name`,
    ),
    courses: await q(sql`select c.name, c.min_age, c.max_age, c.status, c.link, c.image->>'type' as image,
      array(select k.name from backoffice.course_categories cc join backoffice.categories k on k.id = cc.category_id where cc.course_id = c.id order by 1) as categories
      from backoffice.courses c order by c.name`),
    lessons:
      await q(sql`select c.name as course, l.lesson_number, l.name, l.presentation->>'type' as presentation, l.additional_file->>'type' as additional
      from backoffice.lessons l join backoffice.courses c on c.id = l.course_id order by c.name, l.lesson_number`),
    groups: await q(sql`select name from backoffice.groups order by name`),
  };
}

describe('backoffice seed: the contract’s demo data, deterministic and idempotent', () => {
  let agora: Agora;
  let first: Awaited<ReturnType<typeof snapshot>>;
  let lines: string[];
  beforeAll(async () => {
    agora = await testApp();
    lines = await seedOf(agora);
    first = await snapshot(agora);
  }, 120_000);
  afterAll(async () => agora.app.close());

  it('creates what the contract lists', () => {
    expect(first.groups.map((g) => g.name)).toEqual(['owner', 'superuser', 'teacher']);
    expect(first.partners).toHaveLength(5);
    expect(first.partners.filter((p) => p.status === 'inactive').map((p) => p.name)).toEqual(['Pixel School Perm']);
    expect(first.partners.every((p) => String(p.owner).startsWith('owner'))).toBe(true);
    expect(first.branches).toHaveLength(11);
    expect(first.partners.reduce((n, p) => n + Number(p.branch_count), 0)).toBe(11);
    const teachers = first.people.filter((p) => p.group === 'teacher');
    expect(teachers).toHaveLength(25);
    expect(
      teachers.every((t) => t.partner && (t.courses as string[]).length > 0 && (t.branches as string[]).length > 0),
    ).toBe(true);
    expect(first.partners.reduce((n, p) => n + Number(p.employee_count), 0)).toBe(25);
    expect(first.people.filter((p) => p.group === 'owner')).toHaveLength(5);
    expect(first.people.filter((p) => p.group === 'superuser').map((p) => p.email)).toEqual([
      'superuser@backoffice.local',
    ]);
    expect(first.categories).toEqual([
      { name: 'Gbyte', parent: null },
      { name: 'JavaScript', parent: 'Tbyte' },
      { name: 'Mbyte', parent: null },
      { name: 'Python', parent: 'Tbyte' },
      { name: 'Tbyte', parent: null },
    ]);
    expect(first.courses).toHaveLength(4);
    expect(first.courses.every((c) => c.image === 'image/png')).toBe(true);
    expect(first.lessons).toHaveLength(12);
    expect(first.lessons.filter((l) => l.additional)).toHaveLength(4);
    expect(new Set(first.lessons.map((l) => l.presentation))).toEqual(
      new Set(['application/pdf', 'application/vnd.openxmlformats-officedocument.presentationml.presentation']),
    );
  });

  it('prints a random demo password once; it logs in the seeded accounts', async () => {
    const line = lines.find((l) => l.startsWith('backoffice:'))!;
    const password = /password (\S+)$/.exec(line)![1]!;
    expect(password).toMatch(/^[\w-]{12}$/);
    const owner = await login(agora, 'owner1@backoffice.local', password);
    const me = (await owner.req('GET', `${API}/user-group-permissions/`)).json();
    expect(me.group_name).toBe('owner');
    const su = await login(agora, 'superuser@backoffice.local', password);
    expect((await su.req('GET', `${API}/partners/${me.partner_id}/`)).json().name).toBe('Byte Kids Kazan');
  });

  it('run again: nothing new, nothing printed', async () => {
    expect(await seedOf(agora)).toEqual([]);
    expect(await snapshot(agora)).toEqual(first);
  });

  it('on an empty database it makes the very same rows (seeded randomness)', async () => {
    await agora.app.close();
    await resetDatabase();
    agora = await testApp();
    const again = await seedOf(agora);
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(lines[0]);
    expect(await snapshot(agora)).toEqual(first);
  });
});
