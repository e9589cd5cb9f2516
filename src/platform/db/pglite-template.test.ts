import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { migrate } from './migrate.js';
import {
  migratedTemplate,
  migrationsKey,
  migrationsRoot,
  pruneMigratedTemplates,
  templatePath,
  writeMigratedTemplate,
  writeTemplate,
} from './pglite-template.js';

const systemId = async (db: Database) =>
  String(
    (
      (await db.db.execute(sql`select system_identifier::text as id from pg_control_system()`)) as unknown as {
        rows: { id: string }[];
      }
    ).rows[0]!.id,
  );

describe('embedded database start-up: new data directories come from the install-time template', () => {
  const root = mkdtempSync(join(tmpdir(), 'agora-template-'));
  beforeAll(async () => {
    if (!existsSync(templatePath())) await writeTemplate(); // npm install makes it; a --ignore-scripts install does not
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('unpacks the template instead of running initdb: two new clusters share its system identifier', async () => {
    const ids: string[] = [];
    for (const name of ['a', 'b']) {
      const db = await openDatabase({ dataDir: join(root, name) });
      ids.push(await systemId(db));
      await db.close();
    }
    // initdb gives every cluster a new random identifier
    expect(ids[0]).toBe(ids[1]);
  }, 120_000);

  it('a cluster made from it keeps what was written across a reopen, and runs with small shared buffers', async () => {
    const dir = join(root, 'c');
    const first = await openDatabase({ dataDir: dir });
    await first.exec('create table kept (v text); insert into kept values ($$written$$)');
    const id = await systemId(first);
    await first.close();
    const again = await openDatabase({ dataDir: dir, sharedBuffers: '8MB' });
    const rows = (await again.db.execute(sql`select v from kept`)) as unknown as { rows: { v: string }[] };
    expect(rows.rows).toEqual([{ v: 'written' }]);
    expect(await systemId(again)).toBe(id);
    const shown = (await again.db.execute(sql`show shared_buffers`)) as unknown as {
      rows: { shared_buffers: string }[];
    };
    expect(shown.rows[0]!.shared_buffers).toBe('8MB');
    await again.close();
  }, 120_000);
});

describe('embedded database start-up: a new database that is migrated next starts from the migrated template', () => {
  const root = mkdtempSync(join(tmpdir(), 'agora-migrated-'));
  beforeAll(async () => {
    await writeMigratedTemplate(); // npm install and the test run's global setup make it; this is a no-op then
  }, 180_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('on disk and in memory, every current migration is already applied; the base template applies them all', async () => {
    expect(existsSync(join(migratedTemplate().dir, 'PG_VERSION'))).toBe(true);
    const onDisk = await openDatabase({ dataDir: join(root, 'disk'), template: 'migrated' });
    expect(await migrate(onDisk)).toEqual([]);
    await onDisk.exec('select 1 from identity.users limit 1');
    await onDisk.close();
    const inMemory = await openDatabase({ dataDir: 'memory://', template: 'migrated' });
    expect(await migrate(inMemory)).toEqual([]);
    await inMemory.close();
    const base = await openDatabase({ dataDir: join(root, 'base') });
    expect((await migrate(base)).length).toBeGreaterThan(10);
    await base.close();
  }, 180_000);

  it('is named by the migrations: an added one gives another name, and is applied on top of the template', async () => {
    const changed = join(root, 'drizzle');
    cpSync(migrationsRoot(), changed, { recursive: true });
    const journalFile = join(changed, 'platform', 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] };
    const idx = journal.entries.length;
    journal.entries.push({ ...journal.entries[0]!, idx, tag: '9999_added_later' });
    writeFileSync(journalFile, JSON.stringify(journal));
    writeFileSync(join(changed, 'platform', '9999_added_later.sql'), 'create table public.added_later (v int);');
    expect(migrationsKey(changed)).not.toBe(migrationsKey());
    expect(migratedTemplate(changed).dir).not.toBe(migratedTemplate().dir);

    const db = await openDatabase({ dataDir: join(root, 'later'), template: 'migrated' });
    expect(await migrate(db, changed)).toEqual(['platform/9999_added_later']);
    await db.exec('insert into public.added_later values (1)');
    await db.close();
  }, 180_000);

  it('keeps the three newest migrated templates and removes older ones with their tarballs; leaves the rest alone', () => {
    const cache = join(root, 'cache');
    mkdirSync(cache);
    const names = ['1111111111111111', '2222222222222222', '3333333333333333', '4444444444444444', '5555555555555555'];
    names.forEach((hash, i) => {
      const dir = join(cache, `pglite-0.5.16-${hash}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'PG_VERSION'), '17');
      writeFileSync(`${dir}.tar.gz`, 'x');
      const at = new Date(Date.UTC(2026, 0, 1 + i));
      utimesSync(dir, at, at);
    });
    writeFileSync(join(cache, 'pglite-0.5.16.tar.gz'), 'base');
    mkdirSync(join(cache, 'build-0123456789abcdef'));
    const removed = pruneMigratedTemplates(cache);
    expect(removed.map((p) => p.slice(-16)).sort()).toEqual(['1111111111111111', '2222222222222222']);
    expect(readdirSync(cache).sort()).toEqual([
      'build-0123456789abcdef',
      'pglite-0.5.16-3333333333333333',
      'pglite-0.5.16-3333333333333333.tar.gz',
      'pglite-0.5.16-4444444444444444',
      'pglite-0.5.16-4444444444444444.tar.gz',
      'pglite-0.5.16-5555555555555555',
      'pglite-0.5.16-5555555555555555.tar.gz',
      'pglite-0.5.16.tar.gz',
    ]);
  });
});
