/**
 * npm run db:generate — writes a migration for every module whose tables changed.
 * npm run db:check    — fails when a module's tables and its committed migrations disagree.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = process.cwd();
const command = process.argv[2];

function modules(): string[] {
  const found = readdirSync(join(root, 'src/modules')).filter((m) =>
    existsSync(join(root, 'src/modules', m, `${m}.tables.ts`)),
  );
  return existsSync(join(root, 'src/platform/platform.tables.ts')) ? ['platform', ...found] : found;
}

/**
 * drizzle-kit prefixes `out` with "./" and exits 0 on some errors, so the scratch folder lives
 * inside the repository and anything it prints on stderr that looks like an error fails the run.
 */
function drizzleKit(module: string, out?: string): void {
  const result = spawnSync(join(root, 'node_modules/.bin/drizzle-kit'), ['generate', '--config', 'drizzle.config.ts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DRIZZLE_MODULE: module, ...(out ? { DRIZZLE_OUT: `./${relative(root, out)}` } : {}) },
  });
  if (result.stdout) process.stdout.write(command === 'generate' ? result.stdout : '');
  if (result.status !== 0 || /\bError\b|ENOENT/.test(result.stderr ?? '')) {
    process.stderr.write(result.stderr ?? '');
    console.error(`db: drizzle-kit failed for module ${module}`);
    process.exit(1);
  }
}

const listSql = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sql')) : []);

if (command === 'generate') {
  for (const m of modules()) drizzleKit(m);
} else if (command === 'check') {
  const drifted: string[] = [];
  for (const m of modules()) {
    const committed = join(root, 'drizzle', m);
    mkdirSync(join(root, '.drift'), { recursive: true });
    const scratch = mkdtempSync(join(root, '.drift', `${m}-`));
    try {
      if (existsSync(committed)) cpSync(committed, scratch, { recursive: true });
      const before = listSql(scratch).length;
      drizzleKit(m, scratch);
      if (listSql(scratch).length !== before) drifted.push(m);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  // Only an empty .drift goes: another db:check running at the same time may still be using its folder.
  if (!readdirSync(join(root, '.drift')).length) rmSync(join(root, '.drift'), { recursive: true, force: true });
  if (drifted.length) {
    console.error(
      `Migration drift: the tables of ${drifted.join(', ')} differ from drizzle/. Run npm run db:generate.`,
    );
    process.exit(1);
  }
  console.log(`db:check: migrations match the schema (${modules().join(', ')})`);
} else {
  console.error('usage: tsx scripts/db.ts generate|check');
  process.exit(2);
}
