import { Type } from 'typebox';
import type { ResourceDef } from './backoffice.crud.js';
import { nonBlank, q } from './backoffice.docs.js';
import { PARTNER_STATUSES, statusLabel, tx, withoutKeys, type Deps } from './backoffice.deps.js';
import { forbidden, notFound } from './backoffice.errors.js';
import { SMALL_POSITIVE, char, choice, date, int, pk, pkList, validate, type Spec } from './backoffice.fields.js';
import { choiceOf, day, integer, readFilters, text } from './backoffice.filters.js';
import { paginate } from './backoffice.http.js';
import { forcesPartner, readOnlyFields, type Visibility } from './backoffice.policy.js';
import { partnersRepository as repo, type BranchRow } from './backoffice.partners.repository.js';
import { peopleRepository as people } from './backoffice.people.repository.js';

/** BranchSerializer: id, the declared employees, the model's fields, then the partner. */
export const branchOut = (b: BranchRow) => ({
  id: b.id,
  employees: b.employees,
  name: b.name,
  opening_date: b.openingDate,
  status: statusLabel(b.status),
  note: b.note,
  area: b.area,
  country: b.country,
  region: b.region,
  city: b.city,
  street: b.street,
  house: b.house,
  floor: b.floor,
  address_note: b.addressNote,
  partner: b.partnerId,
});

export const BranchBody = Type.Object({
  name: nonBlank(100),
  opening_date: Type.String({ format: 'date' }),
  partner: Type.Integer({ description: 'ignored for owners: their own partner' }),
  status: Type.Optional(Type.Union(PARTNER_STATUSES.map((s) => Type.Literal(s)))),
  note: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  area: Type.Integer({ minimum: 0, maximum: 32767, description: 'm²' }),
  country: nonBlank(50),
  region: nonBlank(100),
  city: nonBlank(50),
  street: nonBlank(50),
  house: Type.Integer({ minimum: 0, maximum: 32767 }),
  floor: Type.Integer({ minimum: 0, maximum: 32767 }),
  address_note: Type.Optional(Type.Union([Type.String({ maxLength: 150 }), Type.Null()])),
  employees: Type.Optional(
    Type.Array(Type.String({ format: 'uuid' }), { description: "employees (of the branch's partner)" }),
  ),
});

export function branchesResource(deps: Deps): ResourceDef<number> {
  const { db } = deps;
  const spec = (vis: Visibility): Spec => ({
    name: { field: char({ max: 100 }), required: true },
    opening_date: { field: date(), required: true },
    partner: {
      field: pk<number>('int', (ids) => repo.partnerIds(db, ids)),
      required: true,
    },
    status: { field: choice(PARTNER_STATUSES) },
    note: { field: char({ blank: true, nullable: true }) },
    area: { field: int(SMALL_POSITIVE), required: true },
    country: { field: char({ max: 50 }), required: true },
    region: { field: char({ max: 100 }), required: true },
    city: { field: char({ max: 50 }), required: true },
    street: { field: char({ max: 50 }), required: true },
    house: { field: int(SMALL_POSITIVE), required: true },
    floor: { field: int(SMALL_POSITIVE), required: true },
    address_note: { field: char({ max: 150, blank: true, nullable: true }) },
    // Employees the caller cannot see do not exist for them.
    employees: {
      field: pkList<string>('uuid', (ids) =>
        people.employeeIds(db, ids, vis.kind === 'partner' ? vis.partnerId : undefined),
      ),
    },
  });

  async function read(
    c: Parameters<ResourceDef['create']>[0],
    vis: Visibility,
    data: unknown,
    form: boolean,
    partial: boolean,
  ) {
    const forced = forcesPartner(c.caller, 'branch');
    const s = spec(vis);
    if (forced) delete s.partner;
    const v = await validate(withoutKeys(data, readOnlyFields(c.caller, 'branch')), s, { form, partial });
    const values = Object.fromEntries(
      Object.entries({
        name: v.name,
        openingDate: v.opening_date,
        partnerId: forced && !partial ? c.caller.partnerId : v.partner,
        status: v.status,
        note: v.note,
        area: v.area,
        country: v.country,
        region: v.region,
        city: v.city,
        street: v.street,
        house: v.house,
        floor: v.floor,
        addressNote: v.address_note,
      }).filter(([, x]) => x !== undefined),
    );
    return { values, employees: v.employees as string[] | undefined };
  }

  const reread = async (id: number) => {
    const b = await repo.branch(db, { kind: 'all' }, id);
    if (!b) throw notFound('Branch');
    return branchOut(b);
  };

  return {
    resource: 'branch',
    model: 'Branch',
    path: '/api/branches/',
    idKind: 'int',
    byPartner: true,
    plural: 'branches',
    filters: {
      partner_id: q.int('partner id'),
      search: q.text('every word matches the name'),
      status: q.choice(PARTNER_STATUSES, 'status'),
      date: q.date('opening date (YYYY-MM-DD)'),
    },
    body: BranchBody,
    async list(c, vis) {
      const f = readFilters(c.req, {
        partner_id: integer,
        search: text,
        status: choiceOf(PARTNER_STATUSES),
        date: day,
      });
      const filters = { partnerId: f.partner_id, search: f.search, status: f.status, date: f.date };
      return paginate(
        c.req,
        () => repo.countBranches(db, vis, filters),
        async (limit, offset) => (await repo.listBranches(db, vis, filters, limit, offset)).map(branchOut),
      );
    },
    find: async (_c, vis, id) => Boolean(await repo.branch(db, vis, id)),
    retrieve: async (_c, vis, id) => {
      const b = await repo.branch(db, vis, id);
      return b && branchOut(b);
    },
    async create(c, body) {
      const vis: Visibility =
        c.caller.group === 'superuser' ? { kind: 'all' } : { kind: 'partner', partnerId: c.caller.partnerId };
      if (forcesPartner(c.caller, 'branch') && c.caller.partnerId === null)
        throw forbidden('You do not own a partner.');
      const { values, employees } = await read(c, vis, body.data, body.form, false);
      const id = await db.transaction(async (t) => {
        const row = await repo.insertBranch(tx(t), values as Parameters<typeof repo.insertBranch>[1]);
        await repo.bumpCounts(tx(t), row.partnerId, { branches: 1 });
        if (employees?.length) {
          await people.setBranchEmployees(tx(t), row.id, employees);
          await people.dropForeignLinks(tx(t), { branchId: row.id });
        }
        return row.id;
      });
      return reread(id);
    },
    async update(c, vis, id, body, partial) {
      const { values, employees } = await read(c, vis, body.data, body.form, partial);
      if (forcesPartner(c.caller, 'branch')) delete values.partnerId;
      await db.transaction(async (t) => {
        const before = await repo.lockBranch(tx(t), id);
        if (!before) throw notFound('Branch');
        if (Object.keys(values).length) await repo.updateBranch(tx(t), id, values);
        const partnerId = (values.partnerId as number | undefined) ?? before.partnerId;
        if (partnerId !== before.partnerId) {
          await repo.bumpCounts(tx(t), before.partnerId, { branches: -1 });
          await repo.bumpCounts(tx(t), partnerId, { branches: 1 });
        }
        if (employees) await people.setBranchEmployees(tx(t), id, employees);
        // As the original, a branch keeps only employees of its own partner.
        if (employees || partnerId !== before.partnerId) await people.dropForeignLinks(tx(t), { branchId: id });
      });
      return reread(id);
    },
    async remove(_c, _vis, id) {
      await db.transaction(async (t) => {
        const before = await repo.lockBranch(tx(t), id);
        if (!before) return;
        await repo.deleteBranch(tx(t), id);
        await repo.bumpCounts(tx(t), before.partnerId, { branches: -1 });
      });
    },
  };
}
