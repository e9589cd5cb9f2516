import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { owners, wishes } from './wishlist.tables.js';

export type WishRow = typeof wishes.$inferSelect;
export type WishInsert = typeof wishes.$inferInsert;
export type OwnerRow = typeof owners.$inferSelect;
/** A wish as its owner sees it: `reservedBy` already hidden when the reservation is a secret. */
export type OwnerWish = WishRow;

/**
 * Hides who reserved through a share link unless the owner opted in: decided in SQL, in the same query. (The
 * bench's bare baselines select the same columns.)
 */
export const ownerView = {
  id: wishes.id,
  userId: wishes.userId,
  title: wishes.title,
  description: wishes.description,
  url: wishes.url,
  price: wishes.price,
  isReserved: wishes.isReserved,
  reservedBy: sql<string | null>`case when ${wishes.reservedViaLink} and not coalesce(${owners.showReservers}, false)
    then null else ${wishes.reservedBy} end`.as('reserved_by'),
  reservedViaLink: wishes.reservedViaLink,
  isActive: wishes.isActive,
  createdAt: wishes.createdAt,
  updatedAt: wishes.updatedAt,
};

const ownerJoin = sql`${owners.userId} = ${wishes.userId}`;
const newestFirst = [desc(wishes.createdAt), desc(wishes.id)];

/**
 * The hot paths (GET /api/wishes/ and /api/wishes/<id>/) as named prepared statements: built once per database
 * (Drizzle's query building was a quarter of a detail request's CPU), parsed once per connection.
 */
function preparedPerDb<A>(build: (db: Db) => { execute(args: A): Promise<OwnerWish[]> }) {
  const statements = new WeakMap<Db, { execute(args: A): Promise<OwnerWish[]> }>();
  return (db: Db) => {
    let stmt = statements.get(db);
    if (!stmt) statements.set(db, (stmt = build(db)));
    return stmt;
  };
}

const listStatement = preparedPerDb<{ userId: string }>((db) =>
  db
    .select(ownerView)
    .from(wishes)
    .leftJoin(owners, ownerJoin)
    .where(eq(wishes.userId, sql.placeholder('userId')))
    .orderBy(...newestFirst)
    .prepare('wishlist_list_own'),
);

const getOwnStatement = preparedPerDb<{ id: number; userId: string }>((db) =>
  db
    .select(ownerView)
    .from(wishes)
    .leftJoin(owners, ownerJoin)
    .where(and(eq(wishes.id, sql.placeholder('id')), eq(wishes.userId, sql.placeholder('userId'))))
    .prepare('wishlist_get_own'),
);

export const wishlistRepository = {
  async listOwn(db: Db, userId: string, page?: { limit: number; offset: number }): Promise<OwnerWish[]> {
    if (!page) return listStatement(db).execute({ userId });
    const q = db
      .select(ownerView)
      .from(wishes)
      .leftJoin(owners, ownerJoin)
      .where(eq(wishes.userId, userId))
      .orderBy(...newestFirst);
    return q.limit(page.limit).offset(page.offset);
  },

  countOwn: async (db: Db, userId: string) =>
    (await db.select({ n: count() }).from(wishes).where(eq(wishes.userId, userId)))[0]?.n ?? 0,

  getOwn: async (db: Db, userId: string, id: number): Promise<OwnerWish | undefined> =>
    (await getOwnStatement(db).execute({ id, userId }))[0],

  insert: async (db: Db, row: WishInsert) => (await db.insert(wishes).values(row).returning({ id: wishes.id }))[0]!,

  update: async (db: Db, userId: string, id: number, patch: Partial<WishInsert>) =>
    (
      await db
        .update(wishes)
        .set(patch)
        .where(and(eq(wishes.id, id), eq(wishes.userId, userId)))
        .returning({ id: wishes.id })
    )[0],

  delete: async (db: Db, userId: string, id: number) =>
    (
      await db
        .delete(wishes)
        .where(and(eq(wishes.id, id), eq(wishes.userId, userId)))
        .returning({ id: wishes.id })
    ).length > 0,

  // ---- sharing and reservations ------------------------------------------------------------------
  /** Any user's wish (the admin panel's lookup; owner-facing reads go through getOwn). */
  byId: async (db: Db, id: number) => (await db.select().from(wishes).where(eq(wishes.id, id)))[0],

  owner: async (db: Db, userId: string) => (await db.select().from(owners).where(eq(owners.userId, userId)))[0],

  ownerByToken: async (db: Db, token: string) =>
    (await db.select().from(owners).where(eq(owners.shareToken, token)))[0],

  async upsertOwner(db: Db, userId: string, patch: Partial<Omit<OwnerRow, 'userId'>>): Promise<OwnerRow> {
    const [row] = await db
      .insert(owners)
      .values({ userId, ...patch })
      .onConflictDoUpdate({ target: owners.userId, set: patch })
      .returning();
    return row!;
  },

  activeOf: async (db: Db, userId: string) =>
    db
      .select()
      .from(wishes)
      .where(and(eq(wishes.userId, userId), eq(wishes.isActive, true)))
      .orderBy(...newestFirst),

  activeWish: async (db: Db, userId: string, id: number) =>
    (
      await db
        .select()
        .from(wishes)
        .where(and(eq(wishes.id, id), eq(wishes.userId, userId), eq(wishes.isActive, true)))
    )[0],

  /** One conditional UPDATE: of two visitors racing, exactly one matches `is_reserved = false`. */
  reserve: async (db: Db, ownerId: string, id: number, visitorId: string, now: Date) =>
    (
      await db
        .update(wishes)
        .set({ isReserved: true, reservedBy: visitorId, reservedViaLink: true, updatedAt: now })
        .where(
          and(eq(wishes.id, id), eq(wishes.userId, ownerId), eq(wishes.isActive, true), eq(wishes.isReserved, false)),
        )
        .returning()
    )[0],

  unreserve: async (db: Db, ownerId: string, id: number, visitorId: string, now: Date) =>
    (
      await db
        .update(wishes)
        .set({ isReserved: false, reservedBy: null, reservedViaLink: false, updatedAt: now })
        .where(
          and(
            eq(wishes.id, id),
            eq(wishes.userId, ownerId),
            eq(wishes.isActive, true),
            eq(wishes.reservedBy, visitorId),
          ),
        )
        .returning()
    )[0],
};
