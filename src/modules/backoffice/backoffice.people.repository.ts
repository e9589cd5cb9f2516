import { and, asc, count, desc, eq, inArray, like, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import type { Visibility } from './backoffice.policy.js';
import { employeeBranches, employeeCourses, employees, groups, users } from './backoffice.tables.js';

export type UserRow = typeof users.$inferSelect;
export type NewUser = Omit<typeof users.$inferInsert, 'search'>;
export type EmployeeRow = typeof employees.$inferSelect;
export type EmployeeView = EmployeeRow & { user: UserRow; branches: number[]; courses: number[] };

export interface EmployeeFilters {
  partnerId?: number;
  courseId?: number;
  search?: string;
  status?: string;
  group?: string;
}

const none = sql`false`;
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
/**
 * "Every word matches a name or the email": each word is a substring of the lower-cased names-and-email text.
 * Across all users the trigram index on users.search finds the matches. Within one partner the words are checked
 * on the copy the employee row keeps (`perEmployee`), read from the partner's index: the cost follows the
 * partner's size, never the whole table's (the trigram index would return every match of every partner).
 */
export const searchWords = (search: string | undefined, perEmployee = false): SQL[] =>
  (search ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 10)
    .map((w) => like(perEmployee ? employees.search : users.search, `%${escapeLike(w)}%`));

/** A group given by name or id. */
const inGroup = (group: string) =>
  sql`${users.groupId} in (select ${groups.id} from ${groups} where ${
    /^\d{1,15}$/.test(group) ? sql`${groups.id} = ${Number(group)}` : sql`${groups.name} = ${group}`
  })`;

function employeeWhere(vis: Visibility, f: EmployeeFilters): SQL | undefined {
  return and(
    vis.kind === 'all'
      ? undefined
      : vis.kind === 'partner' && vis.partnerId !== null
        ? eq(employees.partnerId, vis.partnerId)
        : none,
    f.partnerId !== undefined ? eq(employees.partnerId, f.partnerId) : undefined,
    f.courseId !== undefined
      ? sql`exists (select 1 from ${employeeCourses} where ${employeeCourses.employeeId} = ${employees.userId} and ${employeeCourses.courseId} = ${f.courseId})`
      : undefined,
    f.status ? eq(employees.status, f.status) : undefined,
    f.group ? inGroup(f.group) : undefined,
    ...searchWords(f.search, vis.kind === 'partner' || f.partnerId !== undefined),
  );
}

/** An employee's branches and courses, aggregated inside the page's statement (no statement per row). */
const branchesOf = sql<number[]>`coalesce((select array_agg(eb.branch_id order by eb.branch_id)
  from backoffice.employee_branches eb where eb.employee_id = ${employees.userId}), '{}')`;
const coursesOf = sql<number[]>`coalesce((select array_agg(ec.course_id order by ec.course_id)
  from backoffice.employee_courses ec where ec.employee_id = ${employees.userId}), '{}')`;
const numbers = (xs: unknown[]) => xs.map(Number);

const employeeSelect = (db: Db) =>
  db
    .select({ employee: employees, user: users, branches: branchesOf, courses: coursesOf })
    .from(employees)
    .innerJoin(users, eq(users.userId, employees.userId));
const view = (r: { employee: EmployeeRow; user: UserRow; branches: unknown[]; courses: unknown[] }): EmployeeView => ({
  ...r.employee,
  user: r.user,
  branches: numbers(r.branches),
  courses: numbers(r.courses),
});

/** SQL of back-office users and employees. */
export const peopleRepository = {
  // ---- users ----------------------------------------------------------------------------------------
  countUsers: async (db: Db, search?: string) =>
    Number(
      (
        await db
          .select({ n: count() })
          .from(users)
          .where(and(...searchWords(search)))
      )[0]!.n,
    ),
  listUsers: async (db: Db, search: string | undefined, limit: number, offset: number) =>
    db
      .select()
      .from(users)
      .where(and(...searchWords(search)))
      .orderBy(desc(users.dateJoined), asc(users.userId))
      .limit(limit)
      .offset(offset),
  user: async (db: Db, id: string) => (await db.select().from(users).where(eq(users.userId, id)))[0],
  userByEmail: async (db: Db, email: string) =>
    (
      await db
        .select()
        .from(users)
        .where(sql`lower(${users.email}) = ${email.toLowerCase()}`)
    )[0],
  userIds: async (db: Db, ids: string[]) =>
    (await db.select({ id: users.userId }).from(users).where(inArray(users.userId, ids))).map((r) => r.id),
  emailTaken: async (db: Db, email: string, exceptId?: string) =>
    (
      await db
        .select({ id: users.userId })
        .from(users)
        .where(
          and(sql`lower(${users.email}) = ${email.toLowerCase()}`, exceptId ? ne(users.userId, exceptId) : undefined),
        )
    ).length > 0,
  phoneTaken: async (db: Db, phone: string, exceptId?: string) =>
    (
      await db
        .select({ id: users.userId })
        .from(users)
        .where(and(eq(users.phoneNumber, phone), exceptId ? ne(users.userId, exceptId) : undefined))
    ).length > 0,
  insertUser: async (db: Db, values: NewUser) => (await db.insert(users).values(values).returning())[0]!,
  updateUser: async (db: Db, id: string, patch: Partial<NewUser>) =>
    (await db.update(users).set(patch).where(eq(users.userId, id)).returning())[0],
  /** Deletes the profile (its employee and links go with it) and returns what was there. */
  deleteUser: async (db: Db, id: string) => (await db.delete(users).where(eq(users.userId, id)).returning())[0],

  // ---- employees ------------------------------------------------------------------------------------
  countEmployees: async (db: Db, vis: Visibility, f: EmployeeFilters) => {
    const q = db.select({ n: count() }).from(employees);
    const where = employeeWhere(vis, f);
    const joined =
      (f.search && vis.kind === 'all' && f.partnerId === undefined) || f.group
        ? q.innerJoin(users, eq(users.userId, employees.userId))
        : q;
    return Number((await joined.where(where))[0]!.n);
  },
  listEmployees: async (db: Db, vis: Visibility, f: EmployeeFilters, limit: number, offset: number) =>
    (
      await employeeSelect(db)
        .where(employeeWhere(vis, f))
        .orderBy(asc(employees.createdAt), asc(employees.userId))
        .limit(limit)
        .offset(offset)
    ).map(view),
  employee: async (db: Db, vis: Visibility, id: string) =>
    (await employeeSelect(db).where(and(eq(employees.userId, id), employeeWhere(vis, {})))).map(view)[0],
  lockEmployee: async (db: Db, id: string) =>
    (await db.select().from(employees).where(eq(employees.userId, id)).for('update'))[0],
  employeeIdsOfPartner: async (db: Db, partnerId: number) =>
    (await db.select({ id: employees.userId }).from(employees).where(eq(employees.partnerId, partnerId))).map(
      (r) => r.id,
    ),
  /** Of `ids`, the employees of `partnerId` (all partners when undefined). */
  employeeIds: async (db: Db, ids: string[], partnerId?: number | null) =>
    (
      await db
        .select({ id: employees.userId })
        .from(employees)
        .where(
          and(
            inArray(employees.userId, ids),
            partnerId === undefined ? undefined : partnerId === null ? none : eq(employees.partnerId, partnerId),
          ),
        )
    ).map((r) => r.id),
  /** The employee, with its user's search text copied in. */
  insertEmployee: async (db: Db, values: Omit<typeof employees.$inferInsert, 'search'>) =>
    (
      await db
        .insert(employees)
        .values({
          ...values,
          search: sql`(select ${users.search} from ${users} where ${users.userId} = ${values.userId})`,
        })
        .returning()
    )[0]!,
  /** After a user's names or email changed: its employee's copy of the search text follows. */
  syncEmployeeSearch: async (db: Db, userId: string) => {
    await db
      .update(employees)
      .set({ search: sql`(select ${users.search} from ${users} where ${users.userId} = ${userId})` })
      .where(eq(employees.userId, userId));
  },
  updateEmployee: async (db: Db, id: string, patch: Partial<typeof employees.$inferInsert>) =>
    (await db.update(employees).set(patch).where(eq(employees.userId, id)).returning())[0],

  setEmployeeBranches: async (db: Db, employeeId: string, branchIds: number[]) => {
    await db.delete(employeeBranches).where(eq(employeeBranches.employeeId, employeeId));
    if (branchIds.length)
      await db.insert(employeeBranches).values(branchIds.map((branchId) => ({ employeeId, branchId })));
  },
  setEmployeeCourses: async (db: Db, employeeId: string, courseIds: number[]) => {
    await db.delete(employeeCourses).where(eq(employeeCourses.employeeId, employeeId));
    if (courseIds.length)
      await db.insert(employeeCourses).values(courseIds.map((courseId) => ({ employeeId, courseId })));
  },
  setBranchEmployees: async (db: Db, branchId: number, employeeIds: string[]) => {
    await db.delete(employeeBranches).where(eq(employeeBranches.branchId, branchId));
    if (employeeIds.length)
      await db.insert(employeeBranches).values(employeeIds.map((employeeId) => ({ employeeId, branchId })));
  },
  /** Drops links between a branch and employees of another partner (after a branch or employee moved). */
  dropForeignLinks: async (db: Db, where: { branchId?: number; employeeId?: string }) => {
    await db.execute(sql`delete from backoffice.employee_branches eb using backoffice.branches b, backoffice.employees e
      where b.id = eb.branch_id and e.user_id = eb.employee_id and b.partner_id <> e.partner_id
      ${where.branchId !== undefined ? sql`and eb.branch_id = ${where.branchId}` : sql``}
      ${where.employeeId !== undefined ? sql`and eb.employee_id = ${where.employeeId}` : sql``}`);
  },
};
