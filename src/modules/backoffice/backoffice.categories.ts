import { Type } from 'typebox';
import type { ResourceDef } from './backoffice.crud.js';
import { nonBlank } from './backoffice.docs.js';
import { tx, uniqueViolation, type Deps } from './backoffice.deps.js';
import { invalid, notFound } from './backoffice.errors.js';
import { char, pkList, validate, type Spec } from './backoffice.fields.js';
import { paginate } from './backoffice.http.js';
import { coursesRepository as repo } from './backoffice.courses.repository.js';

const CYCLE = 'A category cannot be its own ancestor: this parent would make a cycle.';

/** Categories: a tree by `parent`; a parent that would make a cycle is a 400. */
export function categoriesResource(deps: Deps): ResourceDef<number> {
  const { db } = deps;
  const out = (c: { id: number; name: string; parentId: number | null }) => ({
    id: c.id,
    name: c.name,
    parent: c.parentId,
  });
  const spec = (selfId?: number): Spec => ({
    name: {
      field: async (v, ctx) => {
        const r = await char({ max: 100 })(v, ctx);
        if (!r.ok) return r;
        const other = await repo.categoryByName(db, r.value!);
        return other && other.id !== selfId ? { ok: false, errors: ['category with this name already exists.'] } : r;
      },
      required: true,
    },
    parent: {
      field: async (v, ctx) => {
        if (v === null || (ctx.form && v === '')) return { ok: true, value: null };
        const r = await pkList<number>('int', (ids) => repo.categoryIds(db, ids))([v], { ...ctx, form: false });
        if (!r.ok) return r;
        const parent = (r.value as number[])[0]!;
        if (selfId !== undefined && (await repo.ancestorsOf(db, parent)).includes(selfId))
          return { ok: false, errors: [CYCLE] };
        return { ok: true, value: parent };
      },
    },
  });
  const read = async (data: unknown, form: boolean, partial: boolean, selfId?: number) => {
    const v = await validate(data, spec(selfId), { form, partial });
    return Object.fromEntries(Object.entries({ name: v.name, parentId: v.parent }).filter(([, x]) => x !== undefined));
  };
  const duplicate = (err: unknown) => {
    if (uniqueViolation(err)) throw invalid({ name: ['category with this name already exists.'] });
    throw err;
  };
  return {
    resource: 'category',
    model: 'Category',
    path: '/api/categories/',
    idKind: 'int',
    byPartner: false,
    plural: 'categories (a tree by parent)',
    body: Type.Object({
      name: nonBlank(100),
      parent: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    }),
    list: async (c) =>
      paginate(
        c.req,
        () => repo.countCategories(db),
        async (limit, offset) => (await repo.listCategories(db, limit, offset)).map(out),
      ),
    find: async (_c, _vis, id) => Boolean(await repo.category(db, id)),
    retrieve: async (_c, _vis, id) => {
      const row = await repo.category(db, id);
      return row && out(row);
    },
    create: async (_c, body) =>
      out(
        await repo.insertCategory(db, (await read(body.data, body.form, false)) as { name: string }).catch(duplicate),
      ),
    async update(_c, _vis, id, body, partial) {
      const changes = await read(body.data, body.form, partial, id);
      const row = Object.keys(changes).length
        ? await db
            .transaction(async (t) => {
              // Re-checked under the lock of the whole tree, so two concurrent moves cannot close a cycle together.
              await repo.lockCategoryTree(tx(t));
              if (changes.parentId != null && (await repo.ancestorsOf(tx(t), changes.parentId as number)).includes(id))
                throw invalid({ parent: [CYCLE] });
              return repo.updateCategory(tx(t), id, changes);
            })
            .catch(duplicate)
        : await repo.category(db, id);
      if (!row) throw notFound('Category');
      return out(row);
    },
    remove: async (_c, _vis, id) => repo.deleteCategory(db, id),
  };
}
