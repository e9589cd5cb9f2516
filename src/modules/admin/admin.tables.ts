import { bigint, index, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const admin = pgSchema('admin');

/** A field's value before and after an admin write (secrets are recorded as "changed", never their value). */
export type FieldChange = { before: unknown; after: unknown };

/** Every write made through the admin panel: who, when, what, and the fields it changed. */
export const auditLog = admin.table(
  'audit_log',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    userId: uuid().notNull(),
    username: text().notNull(),
    module: text().notNull(),
    /** `<module>.<resource>`, e.g. `identity.users`. */
    resource: text().notNull(),
    recordId: text().notNull(),
    /** create, update, delete, or the name of a resource action (activate, retry, ...). */
    action: text().notNull(),
    changes: jsonb().notNull().$type<Record<string, FieldChange>>(),
    ip: text().notNull().default(''),
  },
  (t) => [
    index('audit_log_username_idx').on(t.username, t.id),
    index('audit_log_resource_idx').on(t.resource, t.id),
    index('audit_log_module_idx').on(t.module, t.id),
  ],
);

export type AuditRow = typeof auditLog.$inferSelect;
