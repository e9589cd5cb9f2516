import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger as DrizzleLogger } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Config } from '../../config.js';
import { acquireLock, type DataDirLock } from './data-dir-lock.js';
import { prepareCluster } from './pglite-template.js';

/** The Drizzle database as every repository sees it: the same API on PGlite and on PostgreSQL. */
export type Db = PgDatabase<PgQueryResultHKT>;

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Runs plain SQL (several statements allowed) outside Drizzle: migrations, maintenance. */
  exec(text: string): Promise<void>;
  /** Runs `fn` while holding a Postgres advisory lock, so that replicas serialise on it. */
  withAdvisoryLock<T>(
    key: number,
    fn: (exec: (text: string) => Promise<Record<string, unknown>[]>) => Promise<T>,
  ): Promise<T>;
  ping(): Promise<void>;
  poolStats(): PoolStats;
  /** Statements issued through Drizzle since start: lets tests and benches prove a path does no query. */
  queryCount(): number;
  /** PGlite only: the cluster as a gzipped tarball (how the migrated template is made). */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

class CountingLogger implements DrizzleLogger {
  count = 0;
  logQuery(): void {
    this.count++;
  }
}

export interface DatabaseOptions {
  url?: string;
  /** Directory for PGlite; `memory://` for an in-memory database. */
  dataDir?: string;
  poolSize?: number;
  applicationName?: string;
  /** PGlite's shared_buffers (PostgreSQL's default of 128MB is most of an embedded process's memory). */
  sharedBuffers?: string;
  /**
   * PGlite: what a new cluster starts from. `migrated` (the caller applies migrations next): the install-time
   * cluster with every current migration applied, when there is one; `base` (default): the one after initdb.
   */
  template?: 'migrated' | 'base';
}

/** How the app opens its database (main opens it the same way, before the app's code has loaded). */
export function databaseOptions(
  config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DATABASE_POOL_SIZE' | 'PGLITE_SHARED_BUFFERS' | 'MIGRATE'>,
  migrate = config.MIGRATE,
): DatabaseOptions {
  return {
    url: config.DATABASE_URL || undefined,
    dataDir: pgliteDir(config.DATA_DIR),
    poolSize: config.DATABASE_POOL_SIZE,
    sharedBuffers: config.PGLITE_SHARED_BUFFERS,
    // Migrations follow at once: a new embedded database may start from the migrated template.
    template: migrate ? 'migrated' : 'base',
  };
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.url
    ? openPostgres(opts.url, opts.poolSize ?? 10, opts.applicationName)
    : openPglite(opts.dataDir ?? 'memory://', opts);
}

async function openPglite(
  dataDir: string,
  opts: Pick<DatabaseOptions, 'sharedBuffers' | 'template'>,
): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { fuzzystrmatch } = await import('@electric-sql/pglite/contrib/fuzzystrmatch');
  const { drizzle } = await import('drizzle-orm/pglite');
  let dir = dataDir;
  let lock: DataDirLock | undefined;
  if (!dir.startsWith('memory://')) {
    dir = resolve(dir);
    mkdirSync(dirname(dir), { recursive: true });
    // Two PGlite instances on one directory would both write its files: the second one must not open.
    lock = await acquireLock(pgliteLockFile(dir), dirname(dir));
  }
  const open = async () => {
    // A new cluster is copied from an install-time template rather than made by initdb and migrated (seconds).
    const fresh = dir.startsWith('memory://') || !existsSync(join(dir, 'PG_VERSION'));
    if (lock) mkdirSync(dir, { recursive: true });
    const cluster: { loadDataDir?: Blob } = fresh
      ? await prepareCluster(dir, { migrated: opts.template === 'migrated' })
      : {};
    return PGlite.create(dir, {
      extensions: { pg_trgm, fuzzystrmatch },
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${opts.sharedBuffers ?? '16MB'}`],
      ...(cluster.loadDataDir ? { loadDataDir: cluster.loadDataDir } : {}),
    });
  };
  const client = await open().catch((err: unknown) => {
    lock?.release();
    throw err;
  });
  const logger = new CountingLogger();
  const db = drizzle(client, { logger, casing: 'snake_case' }) as unknown as Db;
  let closed = false;
  return {
    kind: 'pglite',
    db,
    exec: async (text) => {
      await client.exec(text);
    },
    // PGlite is one connection in one process: exclusive by construction.
    withAdvisoryLock: async (_key, fn) => fn(async (text) => (await client.query<Record<string, unknown>>(text)).rows),
    ping: async () => {
      if (closed) throw new Error('database is closed');
      await client.query('select 1');
    },
    poolStats: () => ({ total: 1, idle: 1, waiting: 0, max: 1 }),
    queryCount: () => logger.count,
    dumpDataDir: () => client.dumpDataDir('gzip'),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string, max: number, applicationName = 'agora'): Promise<Database> {
  const pg = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const pool = new pg.default.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const logger = new CountingLogger();
  const db = drizzle(pool, { logger, casing: 'snake_case' }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    exec: async (text) => {
      await pool.query(text);
    },
    withAdvisoryLock: async (key, fn) => {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [key]);
        try {
          return await fn(async (text) => (await client.query(text)).rows as Record<string, unknown>[]);
        } finally {
          await client.query('select pg_advisory_unlock($1)', [key]);
        }
      } finally {
        client.release();
      }
    },
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
    queryCount: () => logger.count,
    close: async () => {
      await pool.end();
    },
  };
}

export const pgliteDir = (dataDir: string) => join(dataDir, 'pg');
/** The lock file of an embedded database directory (beside it: PGlite owns the directory's contents). */
export const pgliteLockFile = (pgDir: string) => `${resolve(pgDir)}.lock`;
