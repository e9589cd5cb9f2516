import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { createFiles, type FilesApi } from '../../src/modules/files/index.js';
import { createMicroblogService } from '../../src/modules/microblog/microblog.service.js';
import { systemClock } from '../../src/platform/clock.js';
import { createMetrics } from '../../src/platform/observability/metrics.js';
import { testApp } from '../helpers/app.js';
import { multipart, PNG } from '../files/fixtures.js';
import { API, blogger, type Blogger } from './helpers.js';

/** A distinct valid PNG per call: the magic number of PNG, then a marker (content addresses must differ). */
const png = (marker: string) => Buffer.concat([PNG, Buffer.from(marker)]);

describe('microblog media sweep (scheduled task)', () => {
  let agora: Agora;
  let ann: Blogger;

  beforeAll(async () => {
    agora = await testApp();
    ann = await blogger(agora);
  });
  afterAll(async () => agora.app.close());

  const sweep = () =>
    agora.modules
      .find((m) => m.name === 'microblog')!
      .tasks!.find((t) => t.name === 'microblog.media.sweep')!
      .run();
  const rows = async <T>(query: ReturnType<typeof sql>) =>
    ((await agora.ctx.database.db.execute(query)) as unknown as { rows: T[] }).rows;
  /** The media row, its file row and whether its blob is on disk. */
  const state = async (mediaId: number, fileName?: string) => {
    const [media] = await rows<{ file_name: string; deleted_at: string | null }>(
      sql`select file_name, deleted_at from microblog.medias where id = ${mediaId}`,
    );
    const name = fileName ?? media?.file_name;
    const [file] = await rows<{ key: string }>(
      sql`select path_in_storage as key from files.files where short_name = ${name ?? ''}`,
    );
    return { media, file, name };
  };
  const onDisk = (key: string) => existsSync(join(agora.ctx.config.DATA_DIR, 'files', key));
  const upload = async (body: Buffer) => {
    const mp = multipart(body, 'pic.png');
    const res = await agora.app.inject({
      method: 'POST',
      url: `${API}/medias`,
      payload: mp.payload,
      headers: { ...mp.headers, ...ann.headers },
    });
    expect(res.statusCode).toBe(201);
    return res.json().media_id as number;
  };
  const post = (text: string, ids: number[]) =>
    agora.app.inject({
      method: 'POST',
      url: `${API}/tweets`,
      headers: ann.headers,
      payload: { tweet_data: text, tweet_media_ids: ids },
    });

  it('deletes media never attached within 24 hours (row, file and blob); fresh and attached media stay', async () => {
    const [stale, fresh, attached] = [await upload(png('stale')), await upload(png('fresh')), await upload(png('att'))];
    expect((await post('keeps its picture', [attached])).statusCode).toBe(201);
    await agora.ctx.database.db.execute(
      sql`update microblog.medias set created_at = now() - interval '25 hours' where id in (${stale}, ${attached})`,
    );
    const before = await state(stale);
    expect(onDisk(before.file!.key)).toBe(true);

    await sweep();

    const after = await state(stale, before.name);
    expect(after.media).toBeUndefined();
    expect(after.file).toBeUndefined();
    expect(onDisk(before.file!.key)).toBe(false);
    for (const id of [fresh, attached]) {
      const kept = await state(id);
      expect(kept.media).toMatchObject({ deleted_at: null });
      expect(onDisk(kept.file!.key)).toBe(true);
    }
    expect((await post('too late', [stale])).statusCode).toBe(404);
    expect((await post('in time', [fresh])).statusCode).toBe(201);
  });

  it('a media row that cannot be written leaves no file behind, with no cleanup by the caller; a failed object delete goes to the blob sweep', async () => {
    const real = createFiles(agora.ctx).store;
    let failDeletes = false;
    const keys: string[] = [];
    const store: FilesApi['store'] = {
      ...real,
      kind: real.kind,
      putFile: async (key, ...rest) => {
        keys.push(key);
        return real.putFile(key, ...rest);
      },
      delete: async (key) => {
        if (failDeletes) throw new Error('object store unavailable');
        return real.delete(key);
      },
    };
    const files = createFiles(agora.ctx, { store });
    // A process that dies once the file is stored runs no cleanup of its own: files.delete never succeeds here.
    const dying: FilesApi = {
      ...files,
      delete: async () => {
        throw new Error('process gone');
      },
    };
    const service = createMicroblogService({
      db: agora.ctx.database.db,
      files: dying,
      clock: systemClock,
      log: agora.ctx.log,
      metrics: createMetrics(agora.ctx.database),
      mediaMaxBytes: 1 << 20,
      mediaPrefix: '/m',
    });
    // No such microblog profile: the media row's foreign key fails after the object is stored.
    const orphan = (marker: string) =>
      service.uploadMedia(2_000_000_000, randomUUID(), 'x.png', Readable.from([png(marker)]));
    const recorded = async (marker: string) => {
      const sha = createHash('sha256').update(png(marker)).digest('hex');
      return [
        ...(await rows(sql`select 1 from files.files where sha256 = ${sha}`)),
        ...(await rows(sql`select 1 from microblog.medias where sha256 = ${sha}`)),
      ];
    };

    await expect(orphan('orphan-1')).rejects.toThrow();
    expect(await recorded('orphan-1')).toHaveLength(0);
    expect(onDisk(keys[0]!)).toBe(false);

    failDeletes = true;
    await expect(orphan('orphan-2')).rejects.toThrow();
    expect(await recorded('orphan-2')).toHaveLength(0);
    expect(onDisk(keys[1]!)).toBe(true);
    // Its tombstone stays: the blob sweep deletes the object once the upload grace has passed.
    expect(await rows(sql`select 1 from files.blob_deletions where key = ${keys[1]!}`)).toHaveLength(1);
    await files.close();
  });

  it('a deleted tweet whose media files could not be deleted gets them deleted by the sweep', async () => {
    const files = createFiles(agora.ctx);
    let down = true;
    const flaky: FilesApi = {
      ...files,
      delete: async (...args) => {
        if (down) throw new Error('files database unavailable');
        return files.delete(...args);
      },
    };
    const service = createMicroblogService({
      db: agora.ctx.database.db,
      files: flaky,
      clock: systemClock,
      log: agora.ctx.log,
      metrics: createMetrics(agora.ctx.database),
      mediaMaxBytes: 1 << 20,
      mediaPrefix: '/m',
    });
    const media = await service.uploadMedia(ann.id, randomUUID(), 'x.png', Readable.from([png('flaky')]));
    const tweetId = await service.createTweet(ann.id, 'soon deleted', [media]);
    const { file, name } = await state(media);

    await service.deleteTweet(ann.id, tweetId);
    const pending = await state(media, name);
    expect(pending.media).toMatchObject({ deleted_at: expect.anything() });
    expect(onDisk(file!.key)).toBe(true);
    // Marked media are no longer served or attachable.
    const [marked] = await rows<{ sha: string }>(sql`select sha256 as sha from microblog.medias where id = ${media}`);
    expect((await agora.app.inject({ url: `${API}/medias/${marked!.sha}.png` })).statusCode).toBe(404);

    down = false;
    expect(await sweep()).toMatchObject({ failed: 0 });
    const gone = await state(media, name);
    expect(gone.media).toBeUndefined();
    expect(gone.file).toBeUndefined();
    expect(onDisk(file!.key)).toBe(false);
    await files.close();
  });
});
