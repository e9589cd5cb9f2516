import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/platform/db/database.js';
import { migrate } from '../../src/platform/db/migrate.js';

/**
 * The database of this test worker: PGlite in memory, or — when TEST_DATABASE_URL is set — a fresh
 * PostgreSQL database created for this worker (so parallel workers and CI runs never collide).
 */
let shared: Promise<{ database: Database; url?: string }> | undefined;

export const usingPostgres = () => Boolean(process.env.TEST_DATABASE_URL);
export const usingRedis = () => Boolean(process.env.TEST_REDIS_URL);

export function testDatabase(): Promise<{ database: Database; url?: string }> {
  shared ??= (async () => {
    const base = process.env.TEST_DATABASE_URL;
    if (!base) {
      const database = await openDatabase({ dataDir: 'memory://', template: 'migrated' });
      await migrate(database);
      return { database };
    }
    const name = `agora_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await dropOrphans(admin);
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    const database = await openDatabase({ url: url.toString(), poolSize: 10 });
    await migrate(database);
    process.once('beforeExit', () => void dropDatabase(base, name, database));
    return { database, url: url.toString() };
  })();
  return shared;
}

/** Databases of test workers that were killed before beforeExit (their pid is gone) are dropped. */
async function dropOrphans(admin: pg.Client) {
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname ~ '^agora_test_[0-9]+_[0-9a-f]+$'`,
  );
  for (const { datname } of rows) {
    const pid = Number(datname.split('_')[2]);
    if (alive(pid)) continue;
    await admin.query(`drop database if exists ${datname} with (force)`).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function dropDatabase(base: string, name: string, database: Database) {
  await database.close().catch(() => undefined);
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
  await admin.end();
}

/** Empties every module table (not the migration ledger), so each test file starts clean. */
export async function resetDatabase(): Promise<void> {
  if (!shared) return;
  const { database } = await shared;
  await database.exec(`do $$ declare r record; begin
    for r in select schemaname, tablename from pg_tables
      where schemaname not in ('pg_catalog', 'information_schema', 'public') loop
      execute format('truncate table %I.%I cascade', r.schemaname, r.tablename);
    end loop; end $$;`);
}
