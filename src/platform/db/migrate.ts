import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './database.js';

/** Each module keeps its drizzle-kit migrations in drizzle/<module>/; platform and identity go first. */
const FIRST = ['platform', 'identity'];
const LOCK_KEY = 7_310_001;

export interface MigrationStep {
  module: string;
  tag: string;
  hash: string;
  statements: string[];
}

interface Journal {
  entries: { idx: number; tag: string }[];
}

export function readMigrations(root: string): MigrationStep[] {
  if (!existsSync(root)) return [];
  const modules = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'meta', '_journal.json')))
    .map((d) => d.name)
    .sort((a, b) => {
      const ia = FIRST.indexOf(a);
      const ib = FIRST.indexOf(b);
      if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
      return a.localeCompare(b);
    });
  const steps: MigrationStep[] = [];
  for (const module of modules) {
    const journal = JSON.parse(readFileSync(join(root, module, 'meta', '_journal.json'), 'utf8')) as Journal;
    for (const entry of [...journal.entries].sort((a, b) => a.idx - b.idx)) {
      const text = readFileSync(join(root, module, `${entry.tag}.sql`), 'utf8');
      steps.push({
        module,
        tag: entry.tag,
        hash: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split('--> statement-breakpoint')
          .map((s) => s.trim())
          .filter(Boolean),
      });
    }
  }
  return steps;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock so that
 * replicas starting together apply each migration exactly once. Returns the tags applied.
 */
export async function migrate(database: Database, root = join(process.cwd(), 'drizzle')): Promise<string[]> {
  const steps = readMigrations(root);
  return database.withAdvisoryLock(LOCK_KEY, async (query) => {
    await query(`create table if not exists public.agora_migrations (
      module text not null, tag text not null, hash text not null,
      applied_at timestamptz not null default now(), primary key (module, tag))`);
    const rows = await query('select module, tag, hash from public.agora_migrations');
    const done = new Map(rows.map((r) => [`${String(r.module)}/${String(r.tag)}`, String(r.hash)]));
    const applied: string[] = [];
    for (const step of steps) {
      const id = `${step.module}/${step.tag}`;
      const known = done.get(id);
      if (known) {
        if (known !== step.hash) throw new Error(`Migration ${id} was changed after it was applied`);
        continue;
      }
      await query('begin');
      try {
        for (const statement of step.statements) await query(statement);
        await query(
          `insert into public.agora_migrations (module, tag, hash) values (${quote(step.module)}, ${quote(step.tag)}, ${quote(step.hash)})`,
        );
        await query('commit');
      } catch (err) {
        await query('rollback');
        throw new Error(`Migration ${id} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(id);
    }
    return applied;
  });
}
