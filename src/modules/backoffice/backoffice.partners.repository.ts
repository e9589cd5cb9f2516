import { and, asc, count, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { likeTerm } from './backoffice.access.repository.js';
import type { Visibility } from './backoffice.policy.js';
import { branches, partners, users } from './backoffice.tables.js';

export type PartnerRow = typeof partners.$inferSelect;
export type NewPartner = typeof partners.$inferInsert;
export type BranchRow = typeof branches.$inferSelect & { employees: string[] };
export type NewBranch = typeof branches.$inferInsert;

export interface PartnerFilters {
  search?: string;
  status?: string;
  date?: string;
}
export interface BranchFilters extends PartnerFilters {
  partnerId?: number;
}

const none = sql`false`;
/** Every word must match the name or the legal entity (or, for branches, the name). */
const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean);

function partnerWhere(vis: Visibility, f: PartnerFilters): SQL | undefined {
  return and(
    vis.kind === 'all'
      ? undefined
      : vis.kind === 'partner' && vis.partnerId !== null
        ? eq(partners.id, vis.partnerId)
        : none,
    ...words(f.search).map((w) => or(ilike(partners.name, likeTerm(w)), ilike(partners.legalEntity, likeTerm(w)))),
    f.status ? eq(partners.status, f.status) : undefined,
    f.date ? eq(partners.creatingDate, f.date) : undefined,
  );
}

function branchWhere(vis: Visibility, f: BranchFilters): SQL | undefined {
  return and(
    vis.kind === 'all'
      ? undefined
      : vis.kind === 'partner' && vis.partnerId !== null
        ? eq(branches.partnerId, vis.partnerId)
        : none,
    f.partnerId !== undefined ? eq(branches.partnerId, f.partnerId) : undefined,
    ...words(f.search).map((w) => ilike(branches.name, likeTerm(w))),
    f.status ? eq(branches.status, f.status) : undefined,
    f.date ? eq(branches.openingDate, f.date) : undefined,
  );
}

/** The ids of a branch's employees: one aggregate per row, inside the page's statement. */
const employeesOf = sql<string[]>`coalesce((select array_agg(eb.employee_id::text order by eb.employee_id)
  from backoffice.employee_branches eb where eb.branch_id = ${branches.id}), '{}')`;

/** SQL of partners and branches. Partner counts are columns kept by the writes that change them. */
export const partnersRepository = {
  countPartners: async (db: Db, vis: Visibility, f: PartnerFilters) =>
    Number((await db.select({ n: count() }).from(partners).where(partnerWhere(vis, f)))[0]!.n),
  listPartners: async (db: Db, vis: Visibility, f: PartnerFilters, limit: number, offset: number) =>
    db.select().from(partners).where(partnerWhere(vis, f)).orderBy(asc(partners.id)).limit(limit).offset(offset),
  partner: async (db: Db, vis: Visibility, id: number) =>
    (
      await db
        .select()
        .from(partners)
        .where(and(eq(partners.id, id), partnerWhere(vis, {})))
    )[0],
  lockPartner: async (db: Db, id: number) =>
    (await db.select().from(partners).where(eq(partners.id, id)).for('update'))[0],
  partnerIds: async (db: Db, ids: number[]) =>
    (await db.select({ id: partners.id }).from(partners).where(inArray(partners.id, ids))).map((r) => r.id),
  partnerOwnedBy: async (db: Db, userId: string) =>
    (await db.select({ id: partners.id }).from(partners).where(eq(partners.ownerId, userId)))[0]?.id,
  insertPartner: async (db: Db, values: NewPartner) => (await db.insert(partners).values(values).returning())[0]!,
  updatePartner: async (db: Db, id: number, patch: Partial<NewPartner>) =>
    (await db.update(partners).set(patch).where(eq(partners.id, id)).returning())[0],
  deletePartner: async (db: Db, id: number) => {
    await db.delete(partners).where(eq(partners.id, id));
  },
  /** Keeps the partner's counters: `branches` and `employees` are the changes (negative when removed). */
  bumpCounts: async (db: Db, id: number, delta: { branches?: number; employees?: number }) => {
    await db
      .update(partners)
      .set({
        branchCount: sql`${partners.branchCount} + ${delta.branches ?? 0}`,
        employeeCount: sql`${partners.employeeCount} + ${delta.employees ?? 0}`,
      })
      .where(eq(partners.id, id));
  },
  /** Whether a back-office user exists (owners must be back-office users). */
  userExists: async (db: Db, ids: string[]) =>
    (await db.select({ id: users.userId }).from(users).where(inArray(users.userId, ids))).map((r) => r.id),

  // ---- branches ---------------------------------------------------------------------------------------
  countBranches: async (db: Db, vis: Visibility, f: BranchFilters) =>
    Number((await db.select({ n: count() }).from(branches).where(branchWhere(vis, f)))[0]!.n),
  listBranches: async (
    db: Db,
    vis: Visibility,
    f: BranchFilters,
    limit: number,
    offset: number,
  ): Promise<BranchRow[]> =>
    (
      await db
        .select({ branch: branches, employees: employeesOf })
        .from(branches)
        .where(branchWhere(vis, f))
        .orderBy(asc(branches.id))
        .limit(limit)
        .offset(offset)
    ).map((r) => ({ ...r.branch, employees: r.employees })),
  branch: async (db: Db, vis: Visibility, id: number): Promise<BranchRow | undefined> =>
    (
      await db
        .select({ branch: branches, employees: employeesOf })
        .from(branches)
        .where(and(eq(branches.id, id), branchWhere(vis, {})))
    ).map((r) => ({ ...r.branch, employees: r.employees }))[0],
  lockBranch: async (db: Db, id: number) =>
    (await db.select().from(branches).where(eq(branches.id, id)).for('update'))[0],
  /** Of `ids`, the branches of `partnerId` (all partners when undefined). */
  branchIds: async (db: Db, ids: number[], partnerId?: number | null) =>
    (
      await db
        .select({ id: branches.id })
        .from(branches)
        .where(
          and(
            inArray(branches.id, ids),
            partnerId === undefined ? undefined : partnerId === null ? none : eq(branches.partnerId, partnerId),
          ),
        )
    ).map((r) => r.id),
  insertBranch: async (db: Db, values: NewBranch) => (await db.insert(branches).values(values).returning())[0]!,
  updateBranch: async (db: Db, id: number, patch: Partial<NewBranch>) =>
    (await db.update(branches).set(patch).where(eq(branches.id, id)).returning())[0],
  deleteBranch: async (db: Db, id: number) => {
    await db.delete(branches).where(eq(branches.id, id));
  },
};
