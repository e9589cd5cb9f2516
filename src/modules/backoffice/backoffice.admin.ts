import type { FastifyRequest } from 'fastify';
import type { AdminActor, AdminField, AdminResource } from '../../platform/admin/resource.js';
import type { Actor } from '../identity/index.js';
import type { RequestCtx, ResourceDef } from './backoffice.crud.js';
import type { Caller } from './backoffice.policy.js';

type Row = Record<string, unknown>;

/** The panel acts as a back-office superuser: the same rules, validation and side effects as the API's. */
function callerOf(actor: AdminActor): Caller {
  const superuser: Actor = {
    userId: actor.userId,
    username: actor.username,
    email: null,
    emailVerified: true,
    isSuperuser: true,
    roles: [],
    permissions: [],
    via: 'session',
  };
  return { actor: superuser, userId: actor.userId, group: 'superuser', partnerId: null };
}

const SYSTEM: AdminActor = {
  userId: '00000000-0000-0000-0000-000000000000',
  username: 'admin-panel',
  isSuperuser: true,
  permissions: [],
};
// Single-record calls never read the request (only list pages do, for their filters and links).
const ctxOf = (actor: AdminActor): RequestCtx => ({
  caller: callerOf(actor),
  req: undefined as unknown as FastifyRequest,
  url: async (ref) => (ref ? ref.shortName : null),
});
const ALL = { kind: 'all' } as const;

/** What the serializer returns, as the form shows it: choice values (not labels), related records by id. */
function normalize(out: Row): Row {
  const row: Row = { ...out };
  if (typeof row.status === 'string') row.status = row.status.toLowerCase();
  for (const [k, v] of Object.entries(row)) {
    if (Array.isArray(v) && v.some((x) => x && typeof x === 'object')) row[k] = v.map((x) => (x as { id: unknown }).id);
  }
  if (row.user && typeof row.user === 'object') {
    const u = row.user as Row;
    Object.assign(row, { id: u.id, email: u.email, first_name: u.first_name, last_name: u.last_name });
  }
  return row;
}

/** A form as DRF's form parser reads it: strings, lists of strings, '' for an empty nullable value. */
function formBody(fields: AdminField[], values: Row): Row {
  const body: Row = {};
  for (const f of fields) {
    if (!(f.name in values)) continue;
    const v = values[f.name];
    body[f.name] = Array.isArray(v) ? v.map(String) : v === null || v === undefined ? '' : String(v);
  }
  return body;
}

export interface BackofficeAdminSpec<Id extends string | number> {
  def: ResourceDef<Id>;
  parseId(raw: string): Id | undefined;
  resource: Omit<AdminResource, 'get' | 'create' | 'update' | 'delete'>;
  canCreate?: boolean;
}

/** A back-office resource (a DRF viewset) in the panel: list from its table, writes through its own viewset code. */
export function adapt<Id extends string | number>(spec: BackofficeAdminSpec<Id>): AdminResource {
  const { def, parseId, resource } = spec;
  const editable = resource.fields.filter((f) => !f.readOnly && !f.hidden);
  const id = (raw: string) => {
    const parsed = parseId(raw);
    if (parsed === undefined) throw new Error('unreachable: get() checked the id');
    return parsed;
  };
  return {
    ...resource,
    get: async (raw) => {
      const parsed = parseId(raw);
      if (parsed === undefined) return undefined;
      const out = (await def.retrieve(ctxOf(SYSTEM), ALL, parsed)) as Row | undefined;
      return out && normalize(out);
    },
    create: spec.canCreate
      ? async (values, actor) =>
          normalize((await def.create(ctxOf(actor), { data: formBody(editable, values), form: true })) as Row)
      : undefined,
    update: async (raw, values, actor) =>
      normalize(
        (await def.update(ctxOf(actor), ALL, id(raw), { data: formBody(editable, values), form: true }, true)) as Row,
      ),
    delete: (raw, actor) => def.remove(ctxOf(actor), ALL, id(raw)),
  };
}
