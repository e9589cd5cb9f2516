import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { blobDeletions, files } from './files.tables.js';

export type FileRow = typeof files.$inferSelect;
export type NewFile = typeof files.$inferInsert;
export type BlobDeletion = typeof blobDeletions.$inferSelect;

/** Every SQL statement of the files service; each takes the executor so the service decides the transaction. */
export const filesRepository = {
  insert: async (db: Db, values: NewFile) => (await db.insert(files).values(values).returning())[0]!,

  byShortName: async (db: Db, shortName: string) =>
    (await db.select().from(files).where(eq(files.shortName, shortName)))[0],

  /** Locks the row until the transaction ends, so two deletes of one file cannot both remove the object. */
  lockByShortName: async (db: Db, shortName: string) =>
    (await db.select().from(files).where(eq(files.shortName, shortName)).for('update'))[0],

  deleteById: async (db: Db, id: string) => {
    await db.delete(files).where(eq(files.id, id));
  },

  count: async (db: Db) => Number((await db.select({ n: sql<number>`count(*)` }).from(files))[0]!.n),

  /** Records that the object under `key` must go once `dueAt` has passed. */
  queueBlobDeletion: async (db: Db, key: string, dueAt: Date) => {
    await db
      .insert(blobDeletions)
      .values({ key, dueAt })
      .onConflictDoUpdate({
        target: blobDeletions.key,
        set: { dueAt: sql`least(${blobDeletions.dueAt}, excluded.due_at)` },
      });
  },

  dropBlobDeletion: async (db: Db, key: string) => {
    await db.delete(blobDeletions).where(eq(blobDeletions.key, key));
  },

  /** An upload's own tombstone, unless a sweep has claimed it (true when it was dropped). */
  dropUnclaimedBlobDeletion: async (db: Db, key: string) =>
    (
      await db
        .delete(blobDeletions)
        .where(and(eq(blobDeletions.key, key), eq(blobDeletions.attempts, 0)))
        .returning({ key: blobDeletions.key })
    ).length > 0,

  /**
   * Claims tombstones (the due ones, or the one of `key` whatever its due time) by leasing them until
   * `leaseUntil`: no transaction stays open while the objects are deleted, and a sweeper that dies mid-way
   * leaves them due again when the lease runs out.
   */
  claimBlobDeletions: async (db: Db, o: { now: Date; leaseUntil: Date; limit: number; key?: string }) => {
    const claimable = db
      .select({ key: blobDeletions.key })
      .from(blobDeletions)
      .where(o.key === undefined ? lte(blobDeletions.dueAt, o.now) : eq(blobDeletions.key, o.key))
      .orderBy(asc(blobDeletions.dueAt))
      .limit(o.limit)
      .for('update', { skipLocked: true });
    return db
      .update(blobDeletions)
      .set({ dueAt: o.leaseUntil, attempts: sql`${blobDeletions.attempts} + 1` })
      .where(inArray(blobDeletions.key, claimable))
      .returning();
  },

  postponeBlobDeletion: async (db: Db, key: string, dueAt: Date, error: string) => {
    await db
      .update(blobDeletions)
      .set({ dueAt, lastError: error.slice(0, 1000) })
      .where(eq(blobDeletions.key, key));
  },

  blobDeletionOf: async (db: Db, key: string) =>
    (await db.select().from(blobDeletions).where(eq(blobDeletions.key, key)))[0],
};
export type FilesRepository = typeof filesRepository;
