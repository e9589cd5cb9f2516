import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';

/**
 * A freshly initialised PGlite cluster, kept as a tarball so that a new data directory is unpacked from it
 * instead of running initdb (about 6 s of CPU) on the first start. `npm install` makes it (postinstall); it
 * depends only on the PGlite version, which names the file.
 */
const require = createRequire(import.meta.url);

function pglitePackage(): { dir: string; version: string } {
  const entry = require.resolve('@electric-sql/pglite'); // <package>/dist/index.cjs
  const dir = entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`));
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version: manifest.version };
}

/** node_modules/.cache/agora/pglite-<version>.tar.gz, beside the PGlite it was made with. */
export function templatePath(): string {
  const { dir, version } = pglitePackage();
  return join(dir, '..', '..', '.cache', 'agora', `pglite-${version}.tar.gz`);
}

/** The template's bytes, when it has been made. */
export function readTemplate(): Buffer | undefined {
  const path = templatePath();
  return existsSync(path) ? readFileSync(path) : undefined;
}

/** Runs initdb once and stores the cluster as the template (atomically: a reader never sees half a file). */
export async function writeTemplate(): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite');
  const path = templatePath();
  const work = join(tmpdir(), `agora-pglite-template-${process.pid}`);
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
