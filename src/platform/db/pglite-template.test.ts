import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { templatePath, writeTemplate } from './pglite-template.js';

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
