import { Type } from 'typebox';
import type { RequestCtx, ResourceDef } from './backoffice.crud.js';
import { nonBlank, q } from './backoffice.docs.js';
import { tx, type Deps } from './backoffice.deps.js';
import { notFound } from './backoffice.errors.js';
import { CheckedUpload, fileField } from './backoffice.files.js';
import { SMALL_POSITIVE, char, int, pk, urlErrors, validate, type Spec } from './backoffice.fields.js';
import { integer, readFilters } from './backoffice.filters.js';
import { paginate } from './backoffice.http.js';
import { coursesRepository as repo, type LessonRow } from './backoffice.courses.repository.js';
import type { FileRef } from './backoffice.tables.js';

const lessonOut = async (c: Pick<RequestCtx, 'url'>, l: LessonRow) => ({
  id: l.id,
  lesson_number: l.lessonNumber,
  name: l.name,
  presentation: await c.url(l.presentation),
  presentationURL: l.presentationUrl,
  additional_file: await c.url(l.additionalFile),
  description: l.description,
  course: l.courseId,
});

const file = (description: string) => Type.Optional(Type.Unsafe({ type: 'string', format: 'binary', description }));
export const LessonBody = Type.Object({
  lesson_number: Type.Integer({ minimum: 0, maximum: 32767 }),
  name: nonBlank(255),
  presentation: file('.pptx or .pdf (multipart), or null'),
  presentationURL: Type.Optional(Type.String({ maxLength: 200, format: 'uri' })),
  additional_file: file('.pdf or .zip (multipart), or null'),
  description: Type.Optional(Type.String()),
  course: Type.Integer(),
});

/** Lessons and their files (types checked from the bytes); replacing or deleting one releases the old files. */
export function lessonsResource(deps: Deps): ResourceDef<number> {
  const { db, files } = deps;
  const spec: Spec = {
    lesson_number: { field: int(SMALL_POSITIVE), required: true },
    name: { field: char({ max: 255 }), required: true },
    presentation: { field: fileField('presentation') },
    presentationURL: { field: char({ max: 200, blank: true, extra: urlErrors }) },
    additional_file: { field: fileField('additional') },
    description: { field: char({ blank: true }) },
    course: { field: pk<number>('int', (ids) => repo.courseIds(db, ids)), required: true },
  };

  /** The lesson's fields, its new files stored (and orphaned until the lesson's transaction adopts them). */
  async function read(c: RequestCtx, data: unknown, form: boolean, partial: boolean) {
    const v = await validate(data, spec, { form, partial });
    const store = async (f: unknown) =>
      f ? files.store(f as CheckedUpload, c.caller.userId) : (f as null | undefined);
    const presentation = await store(v.presentation);
    const additionalFile = await store(v.additional_file).catch(async (err: unknown) => {
      await files.release([presentation]);
      throw err;
    });
    const values = Object.fromEntries(
      Object.entries({
        lessonNumber: v.lesson_number,
        name: v.name,
        presentation,
        presentationUrl: v.presentationURL,
        additionalFile,
        description: v.description,
        courseId: v.course,
      }).filter(([, x]) => x !== undefined),
    );
    return { values, stored: [presentation, additionalFile] as (FileRef | null | undefined)[] };
  }
  const undo = (stored: (FileRef | null | undefined)[]) => async (err: unknown) => {
    await files.release(stored);
    throw err;
  };

  return {
    resource: 'lesson',
    model: 'Lesson',
    path: '/api/lessons/',
    idKind: 'int',
    byPartner: false,
    plural: 'lessons, by course and number',
    filters: { course_id: q.int('course id') },
    body: LessonBody,
    multipart: true,
    async list(c, vis) {
      const { course_id } = readFilters(c.req, { course_id: integer });
      return paginate(
        c.req,
        () => repo.countLessons(db, vis, course_id),
        async (limit, offset) =>
          Promise.all((await repo.listLessons(db, vis, course_id, limit, offset)).map((l) => lessonOut(c, l))),
      );
    },
    find: async (_c, vis, id) => Boolean(await repo.lesson(db, vis, id)),
    retrieve: async (c, vis, id) => {
      const l = await repo.lesson(db, vis, id);
      return l && lessonOut(c, l);
    },
    async create(c, body) {
      const { values, stored } = await read(c, body.data, body.form, false);
      const row = await db
        .transaction(async (t) => {
          const r = await repo.insertLesson(tx(t), values as Parameters<typeof repo.insertLesson>[1]);
          await files.swap(tx(t), stored, []);
          return r;
        })
        .catch(undo(stored));
      return lessonOut(c, row);
    },
    async update(c, _vis, id, body, partial) {
      const { values, stored } = await read(c, body.data, body.form, partial);
      const { row, released } = await db
        .transaction(async (t) => {
          const before = await repo.lockLesson(tx(t), id);
          if (!before) throw notFound('Lesson');
          const r = Object.keys(values).length ? (await repo.updateLesson(tx(t), id, values))! : before;
          const released = [
            'presentation' in values ? before.presentation : undefined,
            'additionalFile' in values ? before.additionalFile : undefined,
          ];
          await files.swap(tx(t), stored, released);
          return { row: r, released };
        })
        .catch(undo(stored));
      await files.release(released);
      return lessonOut(c, row);
    },
    async remove(_c, _vis, id) {
      const gone = await db.transaction(async (t) => {
        const r = await repo.deleteLesson(tx(t), id);
        if (r) await files.swap(tx(t), [], [r.presentation, r.additionalFile]);
        return r;
      });
      if (gone) await files.release([gone.presentation, gone.additionalFile]);
    },
  };
}
