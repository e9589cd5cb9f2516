import { Type } from 'typebox';
import type { RequestCtx, ResourceDef } from './backoffice.crud.js';
import { nonBlank, q } from './backoffice.docs.js';
import { COURSE_STATUSES, statusLabel, tx, type Deps } from './backoffice.deps.js';
import { forbidden, notFound } from './backoffice.errors.js';
import { CheckedUpload, fileField } from './backoffice.files.js';
import { SMALL_POSITIVE, char, choice, int, pkList, urlErrors, validate, type Spec } from './backoffice.fields.js';
import { choiceOf, integer, readFilters, text, uuid } from './backoffice.filters.js';
import { paginate } from './backoffice.http.js';
import { coursesRepository as repo, type CourseRow } from './backoffice.courses.repository.js';
import { peopleRepository as people } from './backoffice.people.repository.js';
import { onlyFields } from './backoffice.policy.js';
import type { FileRef } from './backoffice.tables.js';

type Ancestry = Awaited<ReturnType<typeof repo.categoriesWithAncestors>>;

/** A value sent as it was read (a form sends numbers as text, and an empty field for null). */
function sameValue(sent: unknown, read: unknown): boolean {
  const scalar = (v: unknown) => v === null || v === undefined || ['string', 'number', 'boolean'].includes(typeof v);
  if (scalar(sent) && scalar(read)) return String(sent ?? '') === String(read ?? '');
  return JSON.stringify(sent) === JSON.stringify(read);
}

/** CourseSerializer: categories expanded with their ancestors (each once, by id), then the teachers and fields. */
async function courseOut(c: Pick<RequestCtx, 'url'>, course: CourseRow, ancestry: Ancestry) {
  return {
    id: course.id,
    categories: ancestry
      .filter((a) => a.courseId === course.id)
      .map((a) => ({ id: a.id, name: a.name, parent: a.parentId })),
    teachers: course.teachers,
    name: course.name,
    min_age: course.minAge,
    max_age: course.maxAge,
    image: await c.url(course.image),
    link: course.link,
    status: statusLabel(course.status),
    note: course.note,
  };
}

export const CourseBody = Type.Object({
  name: nonBlank(255),
  min_age: Type.Integer({ minimum: 0, maximum: 32767 }),
  max_age: Type.Integer({ minimum: 0, maximum: 32767 }),
  image: Type.Optional(Type.Unsafe({ type: 'string', format: 'binary', description: 'an image (multipart), or null' })),
  link: Type.Optional(Type.String({ maxLength: 200, format: 'uri' })),
  status: Type.Optional(
    Type.Union(
      COURSE_STATUSES.map((s) => Type.Literal(s)),
      { default: 'hidden' },
    ),
  ),
  note: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  categories: Type.Optional(Type.Array(Type.Integer())),
  teachers: Type.Optional(
    Type.Array(Type.String({ format: 'uuid' }), { description: 'employees teaching it (owners: only this field)' }),
  ),
});

export function coursesResource(deps: Deps): ResourceDef<number> {
  const { db, files } = deps;
  const spec: Spec = {
    name: { field: char({ max: 255 }), required: true },
    min_age: { field: int(SMALL_POSITIVE), required: true },
    max_age: { field: int(SMALL_POSITIVE), required: true },
    image: { field: fileField('image') },
    link: { field: char({ max: 200, blank: true, extra: urlErrors }) },
    status: { field: choice(COURSE_STATUSES) },
    note: { field: char({ blank: true, nullable: true }) },
    categories: { field: pkList<number>('int', (ids) => repo.categoryIds(db, ids)) },
    teachers: { field: pkList<string>('uuid', (ids) => people.employeeIds(db, ids)) },
  };

  const out = async (c: RequestCtx, rows: CourseRow[]) => {
    const ancestry = await repo.categoriesWithAncestors(
      db,
      rows.map((r) => r.id),
    );
    return Promise.all(rows.map((r) => courseOut(c, r, ancestry)));
  };
  const reread = async (c: RequestCtx, id: number) => {
    const row = await repo.course(db, { kind: 'all' }, id);
    if (!row) throw notFound('Course');
    return (await out(c, [row]))[0];
  };

  async function read(data: unknown, form: boolean, partial: boolean, before?: CourseRow) {
    const v = await validate(data, spec, { form, partial }, (d) => {
      const min = (d.min_age as number | undefined) ?? before?.minAge;
      const max = (d.max_age as number | undefined) ?? before?.maxAge;
      return min !== undefined && max !== undefined && min > max
        ? { non_field_errors: ['min_age must be less than or equal to max_age.'] }
        : undefined;
    });
    const values = Object.fromEntries(
      Object.entries({
        name: v.name,
        minAge: v.min_age,
        maxAge: v.max_age,
        link: v.link,
        status: v.status,
        note: v.note,
      }).filter(([, x]) => x !== undefined),
    );
    return {
      values,
      image: v.image as CheckedUpload | null | undefined,
      categories: v.categories as number[] | undefined,
      teachers: v.teachers as string[] | undefined,
    };
  }

  /**
   * An owner changes only the course's teachers, and only among their own partner's employees. The course sent
   * back as it was read is not a change: another field with the value it has, and other partners' teachers
   * already on the course (they stay, whether sent or not), are accepted.
   */
  async function ownerTeachers(c: RequestCtx, id: number, data: unknown, form: boolean) {
    const body = (data && typeof data === 'object' && !Array.isArray(data) ? data : {}) as Record<string, unknown>;
    const allowed = onlyFields(c.caller, 'course') ?? [];
    const others = Object.keys(body).filter((k) => k in spec && !allowed.includes(k));
    if (others.length) {
      const current = (await reread(c, id)) as Record<string, unknown>;
      if (others.some((k) => !sameValue(body[k], current[k])))
        throw forbidden('You may only change the teachers of a course.');
    }
    const partnerId = (await deps.scopes.of(c.caller.userId)).owned;
    const known = async (ids: string[]) => [
      ...(await repo.employeesOfPartner(db, ids, partnerId)),
      ...(await repo.teachersAmong(db, id, ids)),
    ];
    const v = await validate(body, { teachers: { field: pkList<string>('uuid', known) } }, { form, partial: true });
    if (v.teachers)
      await db.transaction(async (t) => repo.setCourseTeachers(tx(t), id, v.teachers as string[], partnerId ?? -1));
    return reread(c, id);
  }

  return {
    resource: 'course',
    model: 'Course',
    path: '/api/courses/',
    idKind: 'int',
    // Owners see every course and teachers theirs by user id; an owner's partner matters only for teachers it sets.
    byPartner: false,
    plural: 'courses with their categories (and the categories’ ancestors) and teachers',
    filters: {
      teacher: q.uuid('user id of a teacher: the courses assigned to them'),
      search: q.text('every word matches the name'),
      status: q.choice(COURSE_STATUSES, 'status'),
      category: q.int('category id'),
      age: q.int('an age between min_age and max_age'),
    },
    body: CourseBody,
    multipart: true,
    async list(c, vis) {
      const f = readFilters(c.req, {
        teacher: uuid,
        search: text,
        status: choiceOf(COURSE_STATUSES),
        category: integer,
        age: integer,
      });
      return paginate(
        c.req,
        () => repo.countCourses(db, vis, f),
        async (limit, offset) => out(c, await repo.listCourses(db, vis, f, limit, offset)),
      );
    },
    find: async (_c, vis, id) => Boolean(await repo.course(db, vis, id)),
    retrieve: async (c, vis, id) => {
      const row = await repo.course(db, vis, id);
      return row && (await out(c, [row]))[0];
    },
    async create(c, body) {
      const { values, image, categories, teachers } = await read(body.data, body.form, false);
      const stored = image ? await files.store(image, c.caller.userId) : null;
      const id = await db
        .transaction(async (t) => {
          const row = await repo.insertCourse(tx(t), {
            ...(values as { name: string; minAge: number; maxAge: number }),
            image: stored,
          });
          await files.swap(tx(t), [stored], []);
          if (categories?.length) await repo.setCourseCategories(tx(t), row.id, categories);
          if (teachers?.length) await repo.setCourseTeachers(tx(t), row.id, teachers);
          return row.id;
        })
        .catch(async (err: unknown) => {
          await files.release([stored]);
          throw err;
        });
      return reread(c, id);
    },
    async update(c, vis, id, body, partial) {
      if (onlyFields(c.caller, 'course')) return ownerTeachers(c, id, body.data, body.form);
      const before = await repo.course(db, vis, id);
      if (!before) throw notFound('Course');
      const { values, image, categories, teachers } = await read(body.data, body.form, partial, before);
      const stored: FileRef | null | undefined = image ? await files.store(image, c.caller.userId) : image;
      await db
        .transaction(async (t) => {
          const changes = { ...values, ...(stored !== undefined ? { image: stored } : {}) };
          if (Object.keys(changes).length) await repo.updateCourse(tx(t), id, changes);
          if (stored !== undefined) await files.swap(tx(t), [stored], [before.image]);
          if (categories) await repo.setCourseCategories(tx(t), id, categories);
          if (teachers) await repo.setCourseTeachers(tx(t), id, teachers);
        })
        .catch(async (err: unknown) => {
          if (stored) await files.release([stored]);
          throw err;
        });
      if (stored !== undefined) await files.release([before.image]);
      return reread(c, id);
    },
    /** The course goes with its lessons; their files and its image are released. */
    async remove(_c, _vis, id) {
      const released = await db.transaction(async (t) => {
        const lessonFiles = await repo.lessonFilesOf(tx(t), id);
        const gone = await repo.deleteCourse(tx(t), id);
        const refs = [gone?.image, ...lessonFiles.flatMap((l) => [l.presentation, l.additionalFile])];
        await files.swap(tx(t), [], refs);
        return refs;
      });
      await files.release(released);
    },
  };
}
