/**
 * Demo data of the back office (development only): the groups, a superuser, 5 partners (partner 3 inactive) with
 * their owners, 11 branches, 25 teachers, the category tree, 4 courses, 12 lessons and their files. The same rows
 * on every run: names come from lists and a seeded generator; rows are found by natural key before being made.
 * The demo password is random, made on the first run and printed then only.
 */
import type { Clock } from '../../platform/clock.js';
import type { Access } from './backoffice.access.js';
import { tx, type Deps } from './backoffice.deps.js';
import { CheckedUpload } from './backoffice.files.js';
import { Upload } from './backoffice.http.js';
import { coursesRepository as courses } from './backoffice.courses.repository.js';
import { partnersRepository as partners } from './backoffice.partners.repository.js';
import type { People } from './backoffice.people.js';
import { peopleRepository as people } from './backoffice.people.repository.js';
import { pdf, png, pptx, zip } from './backoffice.samples.js';
import { accessRepository } from './backoffice.access.repository.js';

/** mulberry32: a small deterministic generator (the seed's random course assignment, made repeatable). */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Women's and men's names, surnames and patronymics, so a generated person's parts agree. */
const PEOPLE = {
  woman: {
    first: ['Anna', 'Vera', 'Daria', 'Zoya', 'Kira', 'Maria'],
    last: ['Ivanova', 'Smirnova', 'Popova', 'Lebedeva', 'Novikova'],
    patronymic: ['Sergeevna', 'Andreevna', 'Olegovna'],
  },
  man: {
    first: ['Boris', 'Gleb', 'Egor', 'Ilya', 'Lev', 'Nikita'],
    last: ['Petrov', 'Kuznetsov', 'Sokolov', 'Kozlov', 'Orlov'],
    patronymic: ['Ivanovich', 'Pavlovich', 'Dmitrievich'],
  },
} as const;
const CITIES = ['Kazan', 'Samara', 'Perm', 'Tomsk', 'Omsk'];
const PARTNERS = ['Byte Kids Kazan', 'Code Club Samara', 'Pixel School Perm', 'Robo Tomsk', 'Algo Omsk'];
const BRANCHES_PER_PARTNER = [3, 2, 2, 2, 2];
const TREE: [string, string | null][] = [
  ['Mbyte', null],
  ['Gbyte', null],
  ['Tbyte', null],
  ['Python', 'Tbyte'],
  ['JavaScript', 'Tbyte'],
];
const COURSES = [
  { name: 'Scratch: first games', min: 7, max: 9, categories: ['Mbyte'], status: 'active' },
  { name: 'Algorithms with robots', min: 9, max: 12, categories: ['Gbyte'], status: 'active' },
  { name: 'Python from scratch', min: 11, max: 15, categories: ['Python'], status: 'active' },
  { name: 'Web pages with JavaScript', min: 12, max: 17, categories: ['JavaScript'], status: 'hidden' },
];

export async function seedBackoffice(
  deps: Deps & { clock: Clock },
  peopleSvc: People,
  access: Access,
): Promise<string[]> {
  const { db, identity, files } = deps;
  const rand = prng(20240901);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const lines: string[] = [];
  await access.ensureGroups();
  const groupId = async (name: string) => (await accessRepository.groupByName(db, name))!.id;
  let password: string | undefined;
  const demoPassword = () => (password ??= deps.clock.token(9));
  const upload = (name: string, data: Buffer, ext: string) => new CheckedUpload(new Upload(name, data), ext);

  /** An account with a profile, made once (found by email afterwards). */
  async function account(email: string, group: string | null, extra: Record<string, unknown> = {}): Promise<string> {
    const existing = await people.userByEmail(db, email);
    if (existing) return existing.userId;
    const gender = rand() < 0.5 ? 'woman' : 'man';
    const groupRef = group ? await groupId(group) : null;
    const names = PEOPLE[gender];
    return peopleSvc.createAccount(
      {
        profile: {
          email,
          username: email,
          firstName: pick([...names.first]),
          lastName: pick([...names.last]),
          patronymic: pick([...names.patronymic]),
          gender,
          city: pick(CITIES),
          groupId: groupRef,
          ...extra,
        },
        password: demoPassword(),
        groupId: groupRef,
      },
      undefined,
    );
  }

  // The superuser: an identity superuser with a back-office profile.
  const suEmail = 'superuser@backoffice.local';
  if (!(await identity.service.getUserByUsername(suEmail))) {
    await identity.service.ensureSuperuser({ username: suEmail, email: suEmail, password: demoPassword() });
  }
  const su = (await identity.service.getUserByUsername(suEmail))!;
  if (!(await people.user(db, su.id)))
    await people.insertUser(db, {
      userId: su.id,
      email: suEmail,
      username: suEmail,
      firstName: 'Super',
      lastName: 'User',
      groupId: await groupId('superuser'),
    });

  // Partners, their owners and branches.
  const partnerIds: number[] = [];
  const existingPartners = await partners.listPartners(db, { kind: 'all' }, {}, 1000, 0);
  for (const [i, name] of PARTNERS.entries()) {
    const ownerId = await account(`owner${i + 1}@backoffice.local`, 'owner');
    let p = existingPartners.find((x) => x.name === name);
    p ??= await partners.insertPartner(db, {
      name,
      legalEntity: `LLC "${name}"`,
      status: i === 2 ? 'inactive' : 'active',
      country: 'Russia',
      region: `${CITIES[i]} region`,
      city: CITIES[i]!,
      street: 'Lenina',
      house: 10 + i,
      ownerId,
    });
    partnerIds.push(p.id);
    const have = await partners.listBranches(db, { kind: 'all' }, { partnerId: p.id }, 100, 0);
    for (let b = 0; b < BRANCHES_PER_PARTNER[i]!; b++) {
      const branchName = `${CITIES[i]} #${b + 1}`;
      if (have.some((x) => x.name === branchName)) continue;
      await db.transaction(async (t) => {
        await partners.insertBranch(tx(t), {
          name: branchName,
          openingDate: `202${b}-0${(i % 9) + 1}-15`,
          partnerId: p.id,
          area: 60 + Math.floor(rand() * 140),
          country: 'Russia',
          region: `${CITIES[i]} region`,
          city: CITIES[i]!,
          street: pick(['Mira', 'Gagarina', 'Pushkina']),
          house: 1 + Math.floor(rand() * 90),
          floor: 1 + Math.floor(rand() * 5),
        });
        await partners.bumpCounts(tx(t), p.id, { branches: 1 });
      });
    }
  }

  // The category tree and the courses.
  const categoryId = new Map<string, number>();
  for (const [name, parent] of TREE) {
    const found = await courses.categoryByName(db, name);
    const row =
      found ?? (await courses.insertCategory(db, { name, parentId: parent ? categoryId.get(parent)! : null }));
    categoryId.set(name, row.id);
  }
  const all = await courses.listCourses(db, { kind: 'all' }, {}, 1000, 0);
  const courseIds: number[] = [];
  for (const [i, c] of COURSES.entries()) {
    let row = all.find((x) => x.name === c.name);
    if (!row) {
      const image = await files.store(
        upload(`course-${i + 1}.png`, png([40 + i * 50, 120, 200 - i * 40]), 'png'),
        su.id,
      );
      const made = await db.transaction(async (t) => {
        const r = await courses.insertCourse(tx(t), {
          name: c.name,
          minAge: c.min,
          maxAge: c.max,
          status: c.status,
          link: `https://example.com/courses/${i + 1}`,
          image,
        });
        await files.swap(tx(t), [image], []);
        await courses.setCourseCategories(
          tx(t),
          r.id,
          c.categories.map((n) => categoryId.get(n)!),
        );
        return r;
      });
      row = { ...made, teachers: [], categoryIds: [] };
    }
    courseIds.push(row.id);
    const lessons = await courses.listLessons(db, { kind: 'all' }, row.id, 100, 0);
    for (let n = 1; n <= 3; n++) {
      if (lessons.some((l) => l.lessonNumber === n)) continue;
      const title = `${c.name}: lesson ${n}`;
      const presentation = await files.store(
        n % 2 ? upload(`lesson-${n}.pptx`, pptx(title), 'pptx') : upload(`lesson-${n}.pdf`, pdf(title), 'pdf'),
        su.id,
      );
      const extra =
        n === 3 ? await files.store(upload('materials.zip', zip([['README.txt', `${title}\n`]]), 'zip'), su.id) : null;
      await db.transaction(async (t) => {
        await courses.insertLesson(tx(t), {
          lessonNumber: n,
          name: `Lesson ${n}`,
          courseId: row.id,
          presentation,
          additionalFile: extra,
          description: title,
        });
        await files.swap(tx(t), [presentation, extra], []);
      });
    }
  }

  // 25 teachers: five a partner, in some of its branches, teaching one or two courses (seeded choice).
  for (let k = 0; k < 25; k++) {
    const email = `teacher${String(k + 1).padStart(2, '0')}@backoffice.local`;
    const partnerId = partnerIds[k % 5]!;
    const branchIds = (await partners.listBranches(db, { kind: 'all' }, { partnerId }, 100, 0)).map((b) => b.id);
    const chosen = courseIds.filter(() => rand() < 0.4);
    const teaching = chosen.length ? chosen : [pick(courseIds)];
    const branchPick = branchIds.filter(() => rand() < 0.6);
    const bankAccount = 10_000_000 + Math.floor(rand() * 89_999_999);
    const userId = await account(email, 'teacher', { phoneNumber: `+7900${String(1000000 + k).slice(1)}` });
    if ((await people.employeeIds(db, [userId])).length) continue;
    await db.transaction(async (t) => {
      await people.insertEmployee(tx(t), { userId, bankAccountNumber: bankAccount, partnerId });
      await partners.bumpCounts(tx(t), partnerId, { employees: 1 });
      await people.setEmployeeBranches(tx(t), userId, branchPick.length ? branchPick : branchIds.slice(0, 1));
      await people.setEmployeeCourses(tx(t), userId, teaching);
    });
  }

  if (password) {
    lines.push(
      `backoffice: superuser ${suEmail}, owners owner1..5@backoffice.local, teachers teacher01..25@backoffice.local — password ${password}`,
    );
  }
  return lines;
}
