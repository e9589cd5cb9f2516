import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/platform/db/database.js';
import { systemClock } from '../../src/platform/clock.js';
import { filesRepository } from '../../src/modules/files/files.repository.js';
import { createFilesService } from '../../src/modules/files/files.service.js';
import { incomingDir, localStore, type BlobStore } from '../../src/modules/files/files.storage.js';
import { testDatabase } from '../helpers/db.js';
import { PNG } from './fixtures.js';

/** Lists every object under the store root (excluding the spool directory). */
function objects(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? (d.name === '.incoming' ? [] : walk(join(dir, d.name))) : [join(dir, d.name)],
    );
  return walk(root);
}

describe('files: upload and delete are all-or-nothing', () => {
  let db: Db;
  beforeAll(async () => {
    db = (await testDatabase()).database.db;
  });

  const make = (store: BlobStore, root: string, repo = filesRepository) => {
    const service = createFilesService({
      db,
      store,
      clock: systemClock,
      log: pino({ level: 'silent' }),
      incoming: incomingDir(root),
      signingKey: Buffer.from('k'),
      defaultBucket: 'default',
      maxExpires: 3600,
      repo,
    });
    service.registerBucket('default', { maxBytes: 1 << 20, types: ['image/png'] });
    return service;
  };

  it('a failed row insert removes the stored object', async () => {
    const root = mkdtempSync(join(tmpdir(), 'files-atomic-'));
    const failing = {
      ...filesRepository,
      insert: async () => {
        throw new Error('insert failed');
      },
    };
    const service = make(localStore(root), root, failing);
    await expect(service.put({ stream: Readable.from([PNG]), ownerId: null })).rejects.toThrow('insert failed');
    expect(objects(root)).toEqual([]);
    expect(readdirSync(incomingDir(root))).toEqual([]);
  });

  it('a failed object write leaves no row', async () => {
    const root = mkdtempSync(join(tmpdir(), 'files-atomic-'));
    const store: BlobStore = {
      ...localStore(root),
      putFile: async () => {
        throw new Error('disk full');
      },
    };
    const before = await filesRepository.count(db);
    await expect(make(store, root).put({ stream: Readable.from([PNG]), ownerId: null })).rejects.toThrow('disk full');
    expect(await filesRepository.count(db)).toBe(before);
  });

  it('a failed object delete keeps the row (rolled back) and the object', async () => {
    const root = mkdtempSync(join(tmpdir(), 'files-atomic-'));
    const local = localStore(root);
    const row = await make(local, root).put({ stream: Readable.from([PNG]), ownerId: null });
    const broken: BlobStore = {
      ...local,
      delete: async () => {
        throw new Error('store unavailable');
      },
    };
    await expect(make(broken, root).delete(row.shortName)).rejects.toThrow('store unavailable');
    expect(await filesRepository.byShortName(db, row.shortName)).toBeDefined();
    expect(await local.exists(row.pathInStorage)).toBe(true);

    await make(local, root).delete(row.shortName);
    expect(await filesRepository.byShortName(db, row.shortName)).toBeUndefined();
    expect(await local.exists(row.pathInStorage)).toBe(false);
  });

  it('the local store refuses keys that are not server-generated', async () => {
    const root = mkdtempSync(join(tmpdir(), 'files-atomic-'));
    const store = localStore(root);
    await expect(store.open('../../etc/passwd')).rejects.toThrow(/refusing/);
    await expect(store.delete('uploads/2024Q1/../../x')).rejects.toThrow(/refusing/);
  });
});
