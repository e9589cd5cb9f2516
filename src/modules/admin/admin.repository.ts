import { desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { auditLog, type AuditRow } from './admin.tables.js';

/** Every SQL statement of the admin module's own tables. */
export const adminRepository = {
  insertAudit: async (db: Db, values: Omit<typeof auditLog.$inferInsert, 'id'>) =>
    (await db.insert(auditLog).values(values).returning())[0]!,
  auditById: async (db: Db, id: number): Promise<AuditRow | undefined> =>
    (await db.select().from(auditLog).where(eq(auditLog.id, id)))[0],
  /** The latest writes, of the given modules only when `modules` is set (a staff user's). */
  recentAudit: async (db: Db, limit: number, modules?: string[]) =>
    db
      .select()
      .from(auditLog)
      .where(modules ? inArray(auditLog.module, modules.length ? modules : ['']) : undefined)
      .orderBy(desc(auditLog.id))
      .limit(limit),
};
