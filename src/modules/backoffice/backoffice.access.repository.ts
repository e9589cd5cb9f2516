import { and, asc, count, eq, ilike, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { employees, fileOrphans, groups, partners, permissions, users } from './backoffice.tables.js';

export type PermissionRow = typeof permissions.$inferSelect;
export type GroupRow = typeof groups.$inferSelect;

export const likeTerm = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** SQL of groups, permissions, the caller's partner and orphaned files. Each takes the executor. */
export const accessRepository = {
  /** The partner a user owns and the partner they are employed by, in one statement. */
  partnersOf: async (db: Db, userId: string) => {
    const rows = await db
      .select({
        owned: sql<number | null>`(select ${partners.id} from ${partners} where ${partners.ownerId} = ${userId})`,
        employed: sql<
          number | null
        >`(select ${employees.partnerId} from ${employees} where ${employees.userId} = ${userId})`,
      })
      .from(sql`(select 1) as one`);
    const r = rows[0]!;
    return {
      owned: r.owned === null ? null : Number(r.owned),
      employed: r.employed === null ? null : Number(r.employed),
    };
  },

  // ---- permissions ----------------------------------------------------------------------------------
  countPermissions: async (db: Db, search?: string) =>
    Number(
      (
        await db
          .select({ n: count() })
          .from(permissions)
          .where(search ? ilike(permissions.name, likeTerm(search)) : undefined)
      )[0]!.n,
    ),
  listPermissions: async (db: Db, opts: { search?: string; limit: number; offset: number }) =>
    db
      .select()
      .from(permissions)
      .where(opts.search ? ilike(permissions.name, likeTerm(opts.search)) : undefined)
      .orderBy(asc(permissions.contentType), asc(permissions.id))
      .limit(opts.limit)
      .offset(opts.offset),
  allPermissions: async (db: Db) => db.select().from(permissions).orderBy(asc(permissions.id)),
  permissionById: async (db: Db, id: number) => (await db.select().from(permissions).where(eq(permissions.id, id)))[0],
  permissionIds: async (db: Db, ids: number[]) =>
    (await db.select({ id: permissions.id }).from(permissions).where(inArray(permissions.id, ids))).map((r) => r.id),
  permissionsByIds: async (db: Db, ids: number[]) =>
    ids.length ? db.select().from(permissions).where(inArray(permissions.id, ids)) : [],
  permissionByCodename: async (db: Db, codename: string) =>
    (await db.select().from(permissions).where(eq(permissions.codename, codename)))[0],
  /** Inserts the permissions whose codename is not there yet (a permission deleted by hand comes back). */
  insertMissingPermissions: async (db: Db, rows: (typeof permissions.$inferInsert)[]) => {
    await db.insert(permissions).values(rows).onConflictDoNothing({ target: permissions.codename });
  },
  insertPermission: async (db: Db, values: typeof permissions.$inferInsert) =>
    (await db.insert(permissions).values(values).returning())[0]!,
  updatePermission: async (db: Db, id: number, patch: Partial<typeof permissions.$inferInsert>) =>
    (await db.update(permissions).set(patch).where(eq(permissions.id, id)).returning())[0],
  deletePermission: async (db: Db, id: number) =>
    (await db.delete(permissions).where(eq(permissions.id, id)).returning())[0],

  // ---- groups ---------------------------------------------------------------------------------------
  countGroups: async (db: Db) => Number((await db.select({ n: count() }).from(groups))[0]!.n),
  listGroups: async (db: Db, opts: { limit: number; offset: number }) =>
    db.select().from(groups).orderBy(asc(groups.name), asc(groups.id)).limit(opts.limit).offset(opts.offset),
  allGroups: async (db: Db) => db.select().from(groups).orderBy(asc(groups.name)),
  groupById: async (db: Db, id: number) => (await db.select().from(groups).where(eq(groups.id, id)))[0],
  groupByName: async (db: Db, name: string) => (await db.select().from(groups).where(eq(groups.name, name)))[0],
  groupIds: async (db: Db, ids: number[]) =>
    (await db.select({ id: groups.id }).from(groups).where(inArray(groups.id, ids))).map((r) => r.id),
  insertGroup: async (db: Db, values: typeof groups.$inferInsert) =>
    (await db.insert(groups).values(values).returning())[0]!,
  renameGroup: async (db: Db, id: number, name: string) =>
    (await db.update(groups).set({ name }).where(eq(groups.id, id)).returning())[0],
  deleteGroup: async (db: Db, id: number) => (await db.delete(groups).where(eq(groups.id, id)).returning())[0],
  /** Users given the group through this module (their identity roles are changed by the service). */
  userIdsInGroup: async (db: Db, groupId: number) =>
    (await db.select({ id: users.userId }).from(users).where(eq(users.groupId, groupId))).map((r) => r.id),

  // ---- orphaned files -------------------------------------------------------------------------------
  /** Marks stored files as due for deletion at `dueAt` (an earlier mark wins). */
  orphanFiles: async (db: Db, shortNames: string[], dueAt: Date) => {
    if (!shortNames.length) return;
    await db
      .insert(fileOrphans)
      .values(shortNames.map((shortName) => ({ shortName, dueAt })))
      .onConflictDoUpdate({
        target: fileOrphans.shortName,
        set: { dueAt: sql`least(${fileOrphans.dueAt}, excluded.due_at)` },
      });
  },
  /** A record now points to these files: they are no longer orphans. */
  adoptFiles: async (db: Db, shortNames: string[]) => {
    if (shortNames.length) await db.delete(fileOrphans).where(inArray(fileOrphans.shortName, shortNames));
  },
  dueOrphans: async (db: Db, now: Date, limit: number) =>
    db.select().from(fileOrphans).where(lte(fileOrphans.dueAt, now)).orderBy(asc(fileOrphans.dueAt)).limit(limit),
  dropOrphan: async (db: Db, shortName: string, dueAt: Date) => {
    await db.delete(fileOrphans).where(and(eq(fileOrphans.shortName, shortName), lte(fileOrphans.dueAt, dueAt)));
  },
};
