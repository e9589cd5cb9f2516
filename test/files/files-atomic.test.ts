import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/platform/db/database.js';
import { filesRepository } from '../../src/modules/files/files.repository.js';
import { createFilesService, UPLOAD_GRACE_SECONDS } from '../../src/modules/files/files.service.js';
import { incomingDir, localStore, type BlobStore } from '../../src/modules/files/files.storage.js';
import { testDatabase } from '../helpers/db.js';
import { movableClock, PNG } from './fixtures.js';

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
  const clock = movableClock();
  beforeAll(async () => {
    db = (await testDatabase()).database.db;
  });

  const make = (store: BlobStore, root: string, repo = filesRepository, database: Db = db) => {
    const service = createFilesService({
      db: database,
      store,
      clock,
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

  it('a failed commit of a delete keeps both the row and the object (no row without its object)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'files-atomic-'));
    const local = localStore(root);
    const row = await make(local, root).put({ stream: Readable.from([PNG]), ownerId: null });
    // The real database, with every transaction failing at its end: the work inside is rolled back.
    const commitFails = new Proxy(db, {
      get(target, prop) {
        if (prop === 'transaction') {
          return (fn: (t: unknown) => Promise<unknown>) =>
            target.transaction(async (t) => {
              await fn(t);
              throw new Error('commit failed');
            });
        }
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    await expect(make(local, root, filesRepository, commitFails).delete(row.shortName)).rejects.toThrow(
      'commit failed',
    );
    expect(await filesRepository.byShortName(db, row.shortName)).toBeDefined();
    expect(await local.exists(row.pathInStorage)).toBe(true);
  });

  it('a failed object delete still deletes the row; the blob sweep deletes the object later', async () => {
    const root = mkdtempSync(join(tmpdir(), 'files-atomic-'));
    const local = localStore(root);
    const row = await make(local, root).put({ stream: Readable.from([PNG]), ownerId: null });
    const broken: BlobStore = {
      ...local,
      delete: async () => {
        throw new Error('store unavailable');
      },
    };
    await make(broken, root).delete(row.shortName);
    expect(await filesRepository.byShortName(db, row.shortName)).toBeUndefined();
    expect(await local.exists(row.pathInStorage)).toBe(true);
    const tombstone = await filesRepository.blobDeletionOf(db, row.pathInStorage);
    expect(tombstone).toMatchObject({ attempts: 1, lastError: 'store unavailable' });

    // Still failing: postponed again; then the store is back and the sweep (once due) deletes the object.
    clock.shift(3600);
    expect((await make(broken, root).sweepBlobs()).failed).toBeGreaterThanOrEqual(1);
    expect((await filesRepository.blobDeletionOf(db, row.pathInStorage))?.attempts).toBe(2);
    clock.shift(3600);
    expect((await make(local, root).sweepBlobs()).deleted).toBeGreaterThanOrEqual(1);
    expect(await local.exists(row.pathInStorage)).toBe(false);
    expect(await filesRepository.blobDeletionOf(db, row.pathInStorage)).toBeUndefined();
  });

  it('an object whose upload never wrote its row (compensation failed) is swept after the grace period', async () => {
    const root = mkdtempSync(join(tmpdir(), 'files-atomic-'));
    const local = localStore(root);
    const store: BlobStore = {
      ...local,
      delete: async () => {
        throw new Error('store unavailable');
      },
    };
    const failing = {
      ...filesRepository,
      insert: async () => {
        throw new Error('insert failed');
      },
    };
    await expect(make(store, root, failing).put({ stream: Readable.from([PNG]), ownerId: null })).rejects.toThrow(
      'insert failed',
    );
    const [left] = objects(root);
    expect(left).toBeDefined();
    await make(local, root).sweepBlobs();
    expect(objects(root)).toEqual([left]);
    clock.shift(UPLOAD_GRACE_SECONDS + 1);
    await make(local, root).sweepBlobs();
    expect(objects(root)).toEqual([]);
  });

  it('an upload that outlives its grace (the sweep took its object) fails and leaves no row', async () => {
    const root = mkdtempSync(join(tmpdir(), 'files-atomic-'));
    const local = localStore(root);
    const before = await filesRepository.count(db);
    const slow: BlobStore = {
      ...local,
      putFile: async (...args) => {
        await local.putFile(...args);
        clock.shift(UPLOAD_GRACE_SECONDS + 1);
        await make(local, root).sweepBlobs();
      },
    };
    await expect(make(slow, root).put({ stream: Readable.from([PNG]), ownerId: null })).rejects.toThrow(/grace/);
    expect(await filesRepository.count(db)).toBe(before);
    expect(objects(root)).toEqual([]);
  });

  it('the local store refuses keys that are not server-generated', async () => {
    const root = mkdtempSync(join(tmpdir(), 'files-atomic-'));
    const store = localStore(root);
    await expect(store.open('../../etc/passwd')).rejects.toThrow(/refusing/);
    await expect(store.delete('uploads/2024Q1/../../x')).rejects.toThrow(/refusing/);
  });
});
