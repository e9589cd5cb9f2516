import type { Choice, AdminActor, AdminField, AdminResource, AdminSection } from '../../platform/admin/resource.js';
import type { Db } from '../../platform/db/database.js';
import { display } from './admin.forms.js';
import { adminRepository as repo } from './admin.repository.js';
import { auditLog, type AuditRow, type FieldChange } from './admin.tables.js';

const SECRET = '(secret)';
const plain = (v: unknown): unknown => (v === undefined ? null : (JSON.parse(JSON.stringify(v ?? null)) as unknown));

/** The fields whose values differ between two versions of a record; secrets only say that they changed. */
export function changedFields(
  fields: AdminField[],
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = {};
  const names = new Set([...fields.map((f) => f.name), ...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const secret = new Set(fields.filter((f) => f.hidden || f.type === 'password').map((f) => f.name));
  for (const name of names) {
    const [b, a] = [plain(before?.[name]), plain(after?.[name])];
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    const hide = secret.has(name) || /hash|secret|password/i.test(name);
    out[name] = hide ? { before: SECRET, after: SECRET } : { before: b, after: a };
  }
  return out;
}

export interface AuditEntry {
  actor: AdminActor;
  ip: string;
  module: string;
  resource: string;
  recordId: string;
  action: string;
  changes: Record<string, FieldChange>;
}

export function auditService(db: Db) {
  return {
    record: (e: AuditEntry) =>
      repo.insertAudit(db, {
        userId: e.actor.userId,
        username: e.actor.username,
        module: e.module,
        resource: `${e.module}.${e.resource}`,
        recordId: e.recordId,
        action: e.action,
        changes: e.changes,
        ip: e.ip,
      }),
    recent: (limit: number, modules?: string[]) => repo.recentAudit(db, limit, modules),
  };
}

const describe = (changes: Record<string, FieldChange>) =>
  Object.entries(changes)
    .map(([k, c]) => `${k}: ${display(c.before)} → ${display(c.after)}`)
    .join('; ');

/** The audit log as a read-only resource of the panel, filterable by user, module, resource and action. */
export function auditSection(db: Db, resources: Choice[], modules: Choice[]): AdminSection {
  const audit: AdminResource<AuditRow> = {
    name: 'audit',
    label: 'Audit log',
    source: { table: auditLog, id: auditLog.id },
    columns: [
      { key: 'at', label: 'When' },
      { key: 'username', label: 'Who' },
      { key: 'action', label: 'Action' },
      { key: 'resource', label: 'Resource' },
      { key: 'recordId', label: 'Record' },
      { key: 'changes', label: 'Changes', value: (r) => describe(r.changes) },
    ],
    ordering: [{ key: 'id', label: 'Newest first', column: auditLog.id, desc: true }],
    filters: [
      { name: 'username', label: 'User', column: auditLog.username },
      { name: 'module', label: 'Module', column: auditLog.module, options: modules },
      { name: 'resource', label: 'Resource', column: auditLog.resource, options: resources },
      { name: 'action', label: 'Action', column: auditLog.action },
    ],
    fields: [
      { name: 'at', label: 'When', readOnly: true },
      { name: 'username', label: 'Who', readOnly: true },
      { name: 'userId', label: 'User id', readOnly: true },
      { name: 'ip', label: 'IP address', readOnly: true },
      { name: 'action', readOnly: true },
      { name: 'resource', readOnly: true },
      { name: 'recordId', label: 'Record', readOnly: true },
      { name: 'changes', label: 'Changed fields (before → after)', readOnly: true, type: 'json' },
    ],
    title: (r) => `${r.action} ${r.resource} ${r.recordId}`,
    get: async (id) => (/^\d{1,15}$/.test(id) ? repo.auditById(db, Number(id)) : undefined),
  };
  return { module: 'admin', label: 'Admin', resources: [audit] };
}
