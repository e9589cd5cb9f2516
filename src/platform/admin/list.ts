import { and, count, eq, getTableColumns, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../db/database.js';
import type { AdminResource } from './resource.js';

export interface ListQuery {
  q?: string;
  /** Filter name → value, as chosen in the list's filter form. */
  filters: Record<string, string>;
  /** Ordering key, `-key` for the reverse direction. */
  order?: string;
  /** Keyset cursors: the page after / before a row. */
  after?: string;
  before?: string;
  size: number;
}

export interface ListPage<R> {
  rows: R[];
  next?: string;
  prev?: string;
  order: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const likeTerm = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The value a column holds, rebuilt from its form/cursor text (undefined when it cannot be that type). */
function typed(column: AnyPgColumn, text: string): unknown {
  switch (column.dataType) {
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
    case 'bigint':
      return /^-?\d+$/.test(text) ? BigInt(text) : undefined;
    case 'date': {
      const d = new Date(text);
      return Number.isNaN(d.getTime()) ? undefined : d;
    }
    default:
      return column.columnType === 'PgUUID' && !UUID.test(text) ? undefined : text;
  }
}

const encode = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? String(v) : v);
const cursorOf = (values: unknown[]) => Buffer.from(JSON.stringify(values.map(encode))).toString('base64url');

/** The values of the keyset columns a cursor holds (undefined when it was not made for these columns). */
function readCursor(cursor: string, columns: AnyPgColumn[]): unknown[] | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(parsed) || parsed.length !== columns.length) return undefined;
    const values = columns.map((c, i) => typed(c, String(parsed[i])));
    return values.includes(undefined) ? undefined : values;
  } catch {
    return undefined;
  }
}

/** The columns a list is ordered and paged by: the sort column, then the primary key's (each once). */
const keysetColumns = (res: AdminResource, sort: AnyPgColumn) => {
  const key = [res.source.id, ...(res.source.key ?? [])];
  return [sort, ...key.filter((c) => c !== sort)];
};

/** The conditions of search and filters (shared by the page and the count). */
export function listWhere(res: AdminResource, query: Pick<ListQuery, 'q' | 'filters'>): SQL | undefined {
  const parts: (SQL | undefined)[] = [res.source.where];
  const q = query.q?.trim();
  if (q && res.search?.length) {
    const terms = res.search.map((c) => {
      if (c.dataType === 'string' && c.columnType !== 'PgUUID') return ilike(c, likeTerm(q));
      const v = typed(c, q);
      return v === undefined ? undefined : eq(c, v);
    });
    parts.push(or(...terms.filter(Boolean), sql`false`));
  }
  for (const f of res.filters ?? []) {
    const raw = query.filters[f.name];
    if (!raw) continue;
    if (f.options && !f.options.some((o) => o.value === raw)) continue;
    const v = typed(f.column, raw);
    if (v !== undefined) parts.push(eq(f.column, v));
  }
  return and(...parts);
}

/**
 * One page of a resource's list by keyset: `(sort, id[, key]) > (cursor)` over an index on those columns, so any page
 * costs the same whatever the table's size. Reads size + 1 rows to know whether another page follows.
 */
export async function listPage<R extends Record<string, unknown>>(
  db: Db,
  res: AdminResource<R>,
  query: ListQuery,
): Promise<ListPage<R>> {
  const orderings = res.ordering ?? [];
  const wanted = query.order?.replace(/^-/, '');
  const ordering = orderings.find((o) => o.key === wanted) ?? orderings[0];
  const sort = ordering?.column ?? res.source.id;
  const flip = query.order?.startsWith('-') && ordering?.key === wanted;
  const desc = Boolean(ordering?.desc) !== Boolean(flip);
  const orderKey = ordering ? `${flip ? '-' : ''}${ordering.key}` : '';
  const backwards = Boolean(query.before) && !query.after;
  const columns = keysetColumns(res, sort);
  const cursor = readCursor((backwards ? query.before : query.after) ?? '', columns);
  // Walking backwards reads the rows before the cursor in reverse order, then turns them around.
  const ascending = desc === backwards;
  const op = sql.raw(ascending ? '>' : '<');
  const dir = sql.raw(ascending ? 'asc' : 'desc');
  const keyset =
    cursor &&
    (columns.length === 1
      ? sql`${sort} ${op} ${sql.param(cursor[0], sort)}`
      : sql`(${sql.join(columns, sql`, `)}) ${op} (${sql.join(
          columns.map((c, i) => sql.param(cursor[i], c)),
          sql`, `,
        )})`);
  const where = and(listWhere(res, query), keyset);
  const orderBy = columns.map((c) => sql`${c} ${dir}`);
  const found = (await db
    .select()
    .from(res.source.table)
    .where(where)
    .orderBy(...orderBy)
    .limit(query.size + 1)) as R[];
  const more = found.length > query.size;
  const rows = found.slice(0, query.size);
  if (backwards) rows.reverse();
  const keys = columns.map((c) => keyOf(res, c));
  const edge = (row: R | undefined) => row && cursorOf(keys.map((k) => row[k]));
  const hasNext = backwards ? true : more;
  const hasPrev = backwards ? more : Boolean(cursor);
  return {
    rows: res.decorate ? await res.decorate(rows) : rows,
    next: hasNext && rows.length ? edge(rows.at(-1)) : undefined,
    prev: hasPrev && rows.length ? edge(rows[0]) : undefined,
    order: orderKey,
  };
}

/** The property name Drizzle gives a column in a selected row. */
function keyOf(res: AdminResource, column: AnyPgColumn): string {
  return Object.entries(getTableColumns(res.source.table)).find(([, c]) => c === column)?.[0] ?? column.name;
}

/** How many rows the resource has (the dashboard's figures). */
export async function countRows(db: Db, res: AdminResource): Promise<number> {
  const [row] = await db.select({ n: count() }).from(res.source.table).where(res.source.where);
  return Number(row?.n ?? 0);
}
