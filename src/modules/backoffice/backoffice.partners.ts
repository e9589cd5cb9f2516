import { Type } from 'typebox';
import type { ResourceDef } from './backoffice.crud.js';
import { nonBlank, q } from './backoffice.docs.js';
import { PARTNER_STATUSES, statusLabel, tx, uniqueViolation, withoutKeys, type Deps } from './backoffice.deps.js';
import { invalid, notFound, type FieldErrors } from './backoffice.errors.js';
import { SMALL_POSITIVE, char, choice, int, pk, validate, type Spec } from './backoffice.fields.js';
import { choiceOf, day, readFilters, text } from './backoffice.filters.js';
import { paginate } from './backoffice.http.js';
import { readOnlyFields } from './backoffice.policy.js';
import { partnersRepository as repo, type PartnerRow } from './backoffice.partners.repository.js';
import type { People } from './backoffice.people.js';
import { peopleRepository as people } from './backoffice.people.repository.js';

/** PartnerDetailSerializer: the counts come first (declared fields), then the model's, then the owner. */
export const partnerOut = (p: PartnerRow) => ({
  id: p.id,
  quantity_of_branches: p.branchCount,
  quantity_of_employees: p.employeeCount,
  name: p.name,
  legal_entity: p.legalEntity,
  creating_date: p.creatingDate,
  information: p.information,
  status: statusLabel(p.status),
  country: p.country,
  region: p.region,
  city: p.city,
  street: p.street,
  house: p.house,
  address_note: p.addressNote,
  owner: p.ownerId,
});

export const PartnerBody = Type.Object({
  name: nonBlank(255),
  legal_entity: nonBlank(500),
  information: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  status: Type.Optional(Type.Union(PARTNER_STATUSES.map((s) => Type.Literal(s)))),
  country: nonBlank(50),
  region: nonBlank(100),
  city: nonBlank(50),
  street: nonBlank(50),
  house: Type.Integer({ minimum: 0, maximum: 32767 }),
  address_note: Type.Optional(Type.Union([Type.String({ maxLength: 50 }), Type.Null()])),
  owner: Type.Optional(
    Type.Union([Type.String({ format: 'uuid', description: 'a user of the owner group' }), Type.Null()]),
  ),
});

export function partnersResource(deps: Deps, removeAccount: People['removeAccount']): ResourceDef<number> {
  const { db, identity } = deps;
  const spec: Spec = {
    name: { field: char({ max: 255 }), required: true },
    legal_entity: { field: char({ max: 500 }), required: true },
    information: { field: char({ blank: true, nullable: true }) },
    status: { field: choice(PARTNER_STATUSES) },
    country: { field: char({ max: 50 }), required: true },
    region: { field: char({ max: 100 }), required: true },
    city: { field: char({ max: 50 }), required: true },
    street: { field: char({ max: 50 }), required: true },
    house: { field: int(SMALL_POSITIVE), required: true },
    address_note: { field: char({ max: 50, blank: true, nullable: true }) },
    owner: { field: pk<string>('uuid', (ids) => repo.userExists(db, ids), { nullable: true }) },
  };

  /** The partner's fields from a body; the owner must be in the owner group and own no other partner. */
  async function read(data: unknown, form: boolean, partial: boolean, selfId?: number) {
    const v = await validate(data, spec, { form, partial }, async (d): Promise<FieldErrors | undefined> => {
      const owner = d.owner as string | null | undefined;
      if (!owner) return undefined;
      const other = await repo.partnerOwnedBy(db, owner);
      if (other !== undefined && other !== selfId) return { owner: ['partner with this owner already exists.'] };
      const roles = await identity.service.rolesOfUser(owner);
      return roles.some((r) => r.name === 'owner')
        ? undefined
        : { non_field_errors: ['Owner must be in an owner group.'] };
    });
    return {
      name: v.name as string | undefined,
      legalEntity: v.legal_entity as string | undefined,
      information: v.information as string | null | undefined,
      status: v.status as string | undefined,
      country: v.country as string | undefined,
      region: v.region as string | undefined,
      city: v.city as string | undefined,
      street: v.street as string | undefined,
      house: v.house as number | undefined,
      addressNote: v.address_note as string | null | undefined,
      ownerId: v.owner as string | null | undefined,
    };
  }
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  const ownerTaken = (err: unknown) => {
    if (uniqueViolation(err) === 'partners_owner_key')
      throw invalid({ owner: ['partner with this owner already exists.'] });
    throw err;
  };

  return {
    resource: 'partner',
    model: 'Partner',
    path: '/api/partners/',
    idKind: 'int',
    byPartner: true,
    plural: 'partners with quantity_of_branches and quantity_of_employees',
    filters: {
      search: q.text('every word matches the name or the legal entity'),
      status: q.choice(PARTNER_STATUSES, 'status'),
      date: q.date('creating date (YYYY-MM-DD)'),
    },
    body: PartnerBody,
    async list(c, vis) {
      const f = readFilters(c.req, { search: text, status: choiceOf(PARTNER_STATUSES), date: day });
      return paginate(
        c.req,
        () => repo.countPartners(db, vis, f),
        async (limit, offset) => (await repo.listPartners(db, vis, f, limit, offset)).map(partnerOut),
      );
    },
    find: async (_c, vis, id) => Boolean(await repo.partner(db, vis, id)),
    retrieve: async (_c, vis, id) => {
      const p = await repo.partner(db, vis, id);
      return p && partnerOut(p);
    },
    async create(c, body) {
      const values = await read(withoutKeys(body.data, readOnlyFields(c.caller, 'partner')), body.form, false);
      const row = await repo
        .insertPartner(db, defined(values) as Parameters<typeof repo.insertPartner>[1])
        .catch(ownerTaken);
      await deps.scopes.forget([row.ownerId]);
      return partnerOut(row);
    },
    async update(c, vis, id, body, partial) {
      const values = await read(withoutKeys(body.data, readOnlyFields(c.caller, 'partner')), body.form, partial, id);
      const changes = defined(values);
      const before = await repo.partner(db, { kind: 'all' }, id);
      const row = Object.keys(changes).length
        ? await repo.updatePartner(db, id, changes).catch(ownerTaken)
        : await repo.partner(db, vis, id);
      if (!row) throw notFound('Partner');
      if (before?.ownerId !== row.ownerId) await deps.scopes.forget([before?.ownerId, row.ownerId]);
      return partnerOut(row);
    },
    /**
     * The partner goes with its branches and employees; as deleting an employee deletes its user, so does
     * deleting the partner it worked for: each employee's profile goes and its identity account is deactivated
     * (its sessions end). The owner's account stays.
     */
    async remove(_c, _vis, id) {
      const { owner, staff } = await db.transaction(async (t) => {
        const p = await repo.lockPartner(tx(t), id);
        const staff = await people.employeeIdsOfPartner(tx(t), id);
        await repo.deletePartner(tx(t), id);
        return { owner: p?.ownerId, staff };
      });
      await deps.scopes.forget([owner, ...staff]);
      for (const userId of staff) await removeAccount(userId);
    },
  };
}
