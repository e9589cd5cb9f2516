import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { readMigrations } from './migrate.js';

/**
 * Ready-made PGlite clusters, so that a new embedded database is copied rather than built: `initdb` costs about
 * 6 s of CPU and applying every module's migrations on PGlite several more. Two kinds, kept beside the PGlite
 * they were made with (node_modules/.cache/agora/, named by its version):
 *
 * - the base template, `pglite-<version>.tar.gz`: a cluster just after initdb;
 * - the migrated template, `pglite-<version>-<migrations>/` (a directory, copied natively into a new data
 *   directory) and `….tar.gz` (for in-memory databases): the base with every migration of drizzle/ applied,
 *   named by a hash of those migrations, so an added or edited migration is never skipped.
 *
 * `npm install` makes both (postinstall); the test run makes the migrated one when the migrations changed.
 */
const require = createRequire(import.meta.url);

function pglitePackage(): { dir: string; version: string } {
  const entry = require.resolve('@electric-sql/pglite'); // <package>/dist/index.cjs
  const dir = entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`));
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version: manifest.version };
}

function cacheDir(): { dir: string; version: string } {
  const { dir, version } = pglitePackage();
  return { dir: join(dir, '..', '..', '.cache', 'agora'), version };
}

/** node_modules/.cache/agora/pglite-<version>.tar.gz: the base template. */
export function templatePath(): string {
  const { dir, version } = cacheDir();
  return join(dir, `pglite-${version}.tar.gz`);
}

/** The base template's bytes, when it has been made. */
export function readTemplate(): Buffer | undefined {
  const path = templatePath();
  return existsSync(path) ? readFileSync(path) : undefined;
}

/** The default place of the migrations, as `migrate()` reads them. */
export const migrationsRoot = () => join(process.cwd(), 'drizzle');

/** A hash of every migration (module, tag and content) under `root`. */
export function migrationsKey(root = migrationsRoot()): string {
  const hash = createHash('sha256');
  for (const step of readMigrations(root)) hash.update(`${step.module}/${step.tag}/${step.hash}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** Where the migrated template for the migrations under `root` lives (it may not exist yet). */
export function migratedTemplate(root = migrationsRoot()): { dir: string; tarball: string } {
  const { dir, version } = cacheDir();
  const base = join(dir, `pglite-${version}-${migrationsKey(root)}`);
  return { dir: base, tarball: `${base}.tar.gz` };
}

/**
 * Copies a directory's contents into another. `cp` does it in a process of its own, so the application's code
 * goes on loading meanwhile (Node's own copy of ~1 300 files costs the main thread ~0.2 s, its asynchronous one
 * more); where there is no `cp`, Node copies.
 */
async function copyTree(from: string, to: string): Promise<void> {
  if (process.platform !== 'win32') {
    try {
      await promisify(execFile)('cp', ['-R', `${from}/.`, to]);
      return;
    } catch {
      rmSync(to, { recursive: true, force: true });
      mkdirSync(to, { recursive: true });
    }
  }
  cpSync(from, to, { recursive: true });
}

/**
 * Puts a new cluster in `dataDir` (a directory that has none yet) from the best template there is, and
 * returns what PGlite still has to load: nothing (the migrated directory was copied in), the migrated tarball
 * (an in-memory database), the base tarball, or — no template at all — undefined, and PGlite runs initdb.
 * With `migrated: false` (the caller does not apply migrations) only the base template is used.
 */
export async function prepareCluster(
  dataDir: string,
  opts: { migrated?: boolean } = {},
): Promise<{ loadDataDir?: Blob; from: 'migrated' | 'base' | 'initdb' }> {
  if (opts.migrated) {
    let template: { dir: string; tarball: string } | undefined;
    try {
      template = migratedTemplate();
    } catch {
      template = undefined; // unreadable migrations: migrate() reports them
    }
    if (template && !dataDir.startsWith('memory://') && existsSync(join(template.dir, 'PG_VERSION'))) {
      // Copied beside, then renamed into place: a crash mid-copy leaves no half cluster where PG_VERSION says one is.
      const partial = `${dataDir}.partial`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      await copyTree(template.dir, partial);
      rmSync(dataDir, { recursive: true, force: true });
      renameSync(partial, dataDir);
      return { from: 'migrated' };
    }
    if (template && dataDir.startsWith('memory://') && existsSync(template.tarball)) {
      return { loadDataDir: new Blob([readFileSync(template.tarball)]), from: 'migrated' };
    }
  }
  const base = readTemplate();
  return base ? { loadDataDir: new Blob([base]), from: 'base' } : { from: 'initdb' };
}

/** Runs initdb once and stores the cluster as the base template (atomically: a reader never sees half a file). */
export async function writeTemplate(): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite');
  const path = templatePath();
  const work = `${path}.${process.pid}.work`;
  rmSync(work, { recursive: true, force: true });
  const pg = await PGlite.create(work);
  try {
    const blob = await pg.dumpDataDir('gzip');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.${process.pid}`, Buffer.from(await blob.arrayBuffer()));
    renameSync(`${path}.${process.pid}`, path);
  } finally {
    await pg.close();
    rmSync(work, { recursive: true, force: true });
  }
  return path;
}

/**
 * Applies every migration under `root` to a new cluster and stores it as the migrated template (directory and
 * tarball), unless it exists. Returns its directory.
 */
export async function writeMigratedTemplate(root = migrationsRoot()): Promise<string> {
  const target = migratedTemplate(root);
  if (existsSync(join(target.dir, 'PG_VERSION')) && existsSync(target.tarball)) return target.dir;
  if (!existsSync(templatePath())) await writeTemplate();
  const { openDatabase } = await import('./database.js');
  const { migrate } = await import('./migrate.js');
  const work = `${target.dir}.${process.pid}.work`;
  rmSync(work, { recursive: true, force: true });
  const database = await openDatabase({ dataDir: work, template: 'base' });
  try {
    await migrate(database, root);
    const blob = await database.dumpDataDir!();
    writeFileSync(`${target.tarball}.${process.pid}`, Buffer.from(await blob.arrayBuffer()));
  } finally {
    await database.close();
  }
  try {
    renameSync(`${target.tarball}.${process.pid}`, target.tarball);
    renameSync(work, target.dir);
  } catch {
    // Made by another process meanwhile: theirs is the same cluster.
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(`${target.tarball}.${process.pid}`, { force: true });
    rmSync(`${work}.lock`, { force: true });
  }
  pruneMigratedTemplates(dirname(target.dir));
  return target.dir;
}

/** How many migrated templates are kept (the newest): others were made for migrations since changed. */
export const KEEP_MIGRATED = 3;

/**
 * Removes all but the `keep` newest migrated templates in `dir` (each a directory and its tarball), so the
 * cache does not grow by a cluster (~40 MB) every time a migration is added or edited. The newest are kept,
 * not only the current one: a second checkout sharing node_modules may still be copying from its own.
 */
export function pruneMigratedTemplates(dir: string, keep = KEEP_MIGRATED): string[] {
  const named = /^pglite-[^-]+-[0-9a-f]{16}$/;
  let entries: { path: string; mtime: number }[];
  try {
    entries = readdirSync(dir)
      .filter((name) => named.test(name))
      .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }));
  } catch {
    return [];
  }
  const removed = entries.sort((a, b) => b.mtime - a.mtime).slice(keep);
  for (const { path } of removed) {
    rmSync(path, { recursive: true, force: true });
    rmSync(`${path}.tar.gz`, { force: true });
  }
  return removed.map(({ path }) => path);
}
