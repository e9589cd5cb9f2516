import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { files } from './files.tables.js';

export type FileRow = typeof files.$inferSelect;
export type NewFile = typeof files.$inferInsert;

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
};
export type FilesRepository = typeof filesRepository;
