import { and, asc, count, eq, ilike, inArray, lte, gte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { likeTerm } from './backoffice.access.repository.js';
import type { Visibility } from './backoffice.policy.js';
import { categories, courseCategories, courses, employeeCourses, employees, lessons } from './backoffice.tables.js';

export type CourseRow = typeof courses.$inferSelect & { teachers: string[]; categoryIds: number[] };
export type NewCourse = typeof courses.$inferInsert;
export type CategoryRow = typeof categories.$inferSelect;
export type LessonRow = typeof lessons.$inferSelect;
export type NewLesson = typeof lessons.$inferInsert;

export interface CourseFilters {
  teacher?: string;
  search?: string;
  status?: string;
  category?: number;
  age?: number;
}

const none = sql`false`;
const taughtBy = (userId: string, courseId: SQL | typeof courses.id | typeof lessons.courseId) =>
  sql`exists (select 1 from ${employeeCourses} where ${employeeCourses.courseId} = ${courseId} and ${employeeCourses.employeeId} = ${userId})`;

function courseWhere(vis: Visibility, f: CourseFilters): SQL | undefined {
  return and(
    vis.kind === 'all' ? undefined : vis.kind === 'teacher' ? taughtBy(vis.userId, courses.id) : none,
    f.teacher ? taughtBy(f.teacher, courses.id) : undefined,
    ...(f.search ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => ilike(courses.name, likeTerm(w))),
    f.status ? eq(courses.status, f.status) : undefined,
    f.category !== undefined
      ? sql`exists (select 1 from ${courseCategories} where ${courseCategories.courseId} = ${courses.id} and ${courseCategories.categoryId} = ${f.category})`
      : undefined,
    f.age !== undefined ? and(lte(courses.minAge, f.age), gte(courses.maxAge, f.age)) : undefined,
  );
}

const teachersOf = sql<string[]>`coalesce((select array_agg(ec.employee_id::text order by ec.employee_id)
  from backoffice.employee_courses ec where ec.course_id = ${courses.id}), '{}')`;
const categoryIdsOf = sql<number[]>`coalesce((select array_agg(cc.category_id order by cc.category_id)
  from backoffice.course_categories cc where cc.course_id = ${courses.id}), '{}')`;
const courseView = (r: {
  course: typeof courses.$inferSelect;
  teachers: string[];
  categoryIds: unknown[];
}): CourseRow => ({
  ...r.course,
  teachers: r.teachers,
  categoryIds: r.categoryIds.map(Number),
});

const lessonWhere = (vis: Visibility, courseId?: number): SQL | undefined =>
  and(
    vis.kind === 'all' ? undefined : vis.kind === 'teacher' ? taughtBy(vis.userId, lessons.courseId) : none,
    courseId !== undefined ? eq(lessons.courseId, courseId) : undefined,
  );

/** SQL of courses, categories and lessons. */
export const coursesRepository = {
  countCourses: async (db: Db, vis: Visibility, f: CourseFilters) =>
    Number((await db.select({ n: count() }).from(courses).where(courseWhere(vis, f)))[0]!.n),
  listCourses: async (db: Db, vis: Visibility, f: CourseFilters, limit: number, offset: number) =>
    (
      await db
        .select({ course: courses, teachers: teachersOf, categoryIds: categoryIdsOf })
        .from(courses)
        .where(courseWhere(vis, f))
        .orderBy(asc(courses.id))
        .limit(limit)
        .offset(offset)
    ).map(courseView),
  course: async (db: Db, vis: Visibility, id: number) =>
    (
      await db
        .select({ course: courses, teachers: teachersOf, categoryIds: categoryIdsOf })
        .from(courses)
        .where(and(eq(courses.id, id), courseWhere(vis, {})))
    ).map(courseView)[0],
  lockCourse: async (db: Db, id: number) =>
    (await db.select().from(courses).where(eq(courses.id, id)).for('update'))[0],
  courseIds: async (db: Db, ids: number[]) =>
    (await db.select({ id: courses.id }).from(courses).where(inArray(courses.id, ids))).map((r) => r.id),
  insertCourse: async (db: Db, values: NewCourse) => (await db.insert(courses).values(values).returning())[0]!,
  updateCourse: async (db: Db, id: number, patch: Partial<NewCourse>) =>
    (await db.update(courses).set(patch).where(eq(courses.id, id)).returning())[0],
  deleteCourse: async (db: Db, id: number) => (await db.delete(courses).where(eq(courses.id, id)).returning())[0],
  setCourseCategories: async (db: Db, courseId: number, categoryIds: number[]) => {
    await db.delete(courseCategories).where(eq(courseCategories.courseId, courseId));
    if (categoryIds.length)
      await db.insert(courseCategories).values(categoryIds.map((categoryId) => ({ courseId, categoryId })));
  },
  /** Replaces the course's teachers among `scope` (one partner's employees, or everyone when undefined). */
  setCourseTeachers: async (db: Db, courseId: number, employeeIds: string[], partnerId?: number) => {
    await db.execute(sql`delete from backoffice.employee_courses ec where ec.course_id = ${courseId}
      ${partnerId === undefined ? sql`` : sql`and ec.employee_id in (select user_id from backoffice.employees where partner_id = ${partnerId})`}`);
    if (employeeIds.length)
      await db
        .insert(employeeCourses)
        .values(employeeIds.map((employeeId) => ({ employeeId, courseId })))
        .onConflictDoNothing();
  },
  /** Of `ids`, those who teach the course now (of any partner). */
  teachersAmong: async (db: Db, courseId: number, ids: string[]) =>
    ids.length
      ? (
          await db
            .select({ id: employeeCourses.employeeId })
            .from(employeeCourses)
            .where(and(eq(employeeCourses.courseId, courseId), inArray(employeeCourses.employeeId, ids)))
        ).map((r) => r.id)
      : [],
  /** Lesson files of a course (released when the course goes). */
  lessonFilesOf: async (db: Db, courseId: number) =>
    db
      .select({ presentation: lessons.presentation, additionalFile: lessons.additionalFile })
      .from(lessons)
      .where(eq(lessons.courseId, courseId)),

  /** The categories of these courses with all their ancestors: one recursive statement for a whole page. */
  categoriesWithAncestors: async (db: Db, courseIds: number[]) => {
    if (!courseIds.length) return [];
    const ids = sql.join(
      courseIds.map((id) => sql`${id}`),
      sql`, `,
    );
    const res = await db.execute(sql`with recursive up(course_id, id, name, parent_id, depth) as (
        select cc.course_id, c.id, c.name, c.parent_id, 0 from backoffice.course_categories cc
        join backoffice.categories c on c.id = cc.category_id where cc.course_id in (${ids})
        union
        select up.course_id, p.id, p.name, p.parent_id, up.depth + 1 from up
        join backoffice.categories p on p.id = up.parent_id where up.depth < 64)
      select distinct course_id, id, name, parent_id from up order by course_id, id`);
    return (res as unknown as { rows: Record<string, unknown>[] }).rows.map((r) => ({
      courseId: Number(r.course_id),
      id: Number(r.id),
      name: String(r.name),
      parentId: r.parent_id === null ? null : Number(r.parent_id),
    }));
  },

  // ---- categories -------------------------------------------------------------------------------------
  countCategories: async (db: Db) => Number((await db.select({ n: count() }).from(categories))[0]!.n),
  listCategories: async (db: Db, limit: number, offset: number) =>
    db.select().from(categories).orderBy(asc(categories.id)).limit(limit).offset(offset),
  category: async (db: Db, id: number) => (await db.select().from(categories).where(eq(categories.id, id)))[0],
  categoryByName: async (db: Db, name: string) =>
    (await db.select().from(categories).where(eq(categories.name, name)))[0],
  categoryIds: async (db: Db, ids: number[]) =>
    (await db.select({ id: categories.id }).from(categories).where(inArray(categories.id, ids))).map((r) => r.id),
  /** The ids of `id` and its ancestors, walking up from it (stops on a cycle). */
  ancestorsOf: async (db: Db, id: number) => {
    const res = await db.execute(sql`with recursive up(id, parent_id, depth) as (
        select id, parent_id, 0 from backoffice.categories where id = ${id}
        union select c.id, c.parent_id, up.depth + 1 from up join backoffice.categories c on c.id = up.parent_id where up.depth < 64)
      select distinct id from up`);
    return (res as unknown as { rows: { id: unknown }[] }).rows.map((r) => Number(r.id));
  },
  /** Serialises moves in the tree, so two concurrent moves cannot close a cycle together. */
  lockCategoryTree: async (db: Db) => {
    await db.execute(sql`lock table backoffice.categories in share row exclusive mode`);
  },
  insertCategory: async (db: Db, values: typeof categories.$inferInsert) =>
    (await db.insert(categories).values(values).returning())[0]!,
  updateCategory: async (db: Db, id: number, patch: Partial<typeof categories.$inferInsert>) =>
    (await db.update(categories).set(patch).where(eq(categories.id, id)).returning())[0],
  deleteCategory: async (db: Db, id: number) => {
    await db.delete(categories).where(eq(categories.id, id));
  },

  // ---- lessons ----------------------------------------------------------------------------------------
  countLessons: async (db: Db, vis: Visibility, courseId?: number) =>
    Number((await db.select({ n: count() }).from(lessons).where(lessonWhere(vis, courseId)))[0]!.n),
  listLessons: async (db: Db, vis: Visibility, courseId: number | undefined, limit: number, offset: number) =>
    db
      .select()
      .from(lessons)
      .where(lessonWhere(vis, courseId))
      .orderBy(asc(lessons.courseId), asc(lessons.lessonNumber), asc(lessons.id))
      .limit(limit)
      .offset(offset),
  lesson: async (db: Db, vis: Visibility, id: number) =>
    (
      await db
        .select()
        .from(lessons)
        .where(and(eq(lessons.id, id), lessonWhere(vis)))
    )[0],
  lockLesson: async (db: Db, id: number) =>
    (await db.select().from(lessons).where(eq(lessons.id, id)).for('update'))[0],
  insertLesson: async (db: Db, values: NewLesson) => (await db.insert(lessons).values(values).returning())[0]!,
  updateLesson: async (db: Db, id: number, patch: Partial<NewLesson>) =>
    (await db.update(lessons).set(patch).where(eq(lessons.id, id)).returning())[0],
  deleteLesson: async (db: Db, id: number) => (await db.delete(lessons).where(eq(lessons.id, id)).returning())[0],

  /** Of `ids`, the employees of `partnerId` (teachers an owner may assign). */
  employeesOfPartner: async (db: Db, ids: string[], partnerId: number | null) =>
    partnerId === null
      ? []
      : (
          await db
            .select({ id: employees.userId })
            .from(employees)
            .where(and(inArray(employees.userId, ids), eq(employees.partnerId, partnerId)))
        ).map((r) => r.id),
};
