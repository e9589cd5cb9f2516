import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';

/** Rows of a raw statement (the same shape on PGlite and node-postgres). */
export async function query<T>(db: Db, statement: SQL): Promise<T[]> {
  return ((await db.execute(statement)) as unknown as { rows: T[] }).rows;
}

/** A Postgres array literal bound as one parameter (cast it: `${pgArray(ids)}::uuid[]`). */
export const pgArray = (values: readonly (string | number | null)[]) =>
  sql`${`{${values.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`}`;

/** A Date from a timestamp column (node-postgres gives Dates, PGlite too; strings are parsed). */
export const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
