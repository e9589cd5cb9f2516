import { Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { FilesApi, StoredFile } from '../files/index.js';
import { accessRepository as repo } from './backoffice.access.repository.js';
import { fail, ok, type Field } from './backoffice.fields.js';
import { Upload } from './backoffice.http.js';
import type { FileRef } from './backoffice.tables.js';

export const BUCKET = 'backoffice';
/** An upload whose record never committed is deleted after this. */
const ADOPTION_GRACE_MS = 3600 * 1000;

/** What each file field accepts, checked from the bytes (file-type), never from the name or the header. */
export const KINDS = {
  image: {
    exts: ['jpg', 'png', 'gif', 'webp'],
    message: 'Upload a valid image. The file you uploaded was either not an image or a corrupted image.',
  },
  presentation: { exts: ['pptx', 'pdf'] },
  additional: { exts: ['pdf', 'zip'] },
} as const;
export type FileKind = keyof typeof KINDS;

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  zip: 'application/zip',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

/** A checked upload: its bytes are of one of the kind's types. */
export class CheckedUpload {
  constructor(
    readonly upload: Upload,
    readonly ext: string,
  ) {}
}

/** A DRF FileField/ImageField (`null` clears it); the type is read from the bytes. */
export const fileField =
  (kind: FileKind): Field<CheckedUpload | null> =>
  async (v, ctx) => {
    if (v === null || (ctx.form && v === '')) return ok(null);
    if (!(v instanceof Upload)) return fail('The submitted data was not a file. Check the encoding type on the form.');
    if (!v.filename) return fail('No filename could be determined.');
    if (!v.data.length) return fail('The submitted file is empty.');
    const spec = KINDS[kind];
    const { fileTypeFromBuffer } = await import('file-type'); // loaded with the first upload
    const detected = await fileTypeFromBuffer(v.data).catch(() => undefined);
    const ext = detected?.ext as string | undefined;
    if (!ext || !(spec.exts as readonly string[]).includes(ext)) {
      return fail(
        'message' in spec
          ? spec.message
          : `File type “${ext ?? 'unknown'}” is not allowed. Allowed types are: ${spec.exts.join(', ')}.`,
      );
    }
    return ok(new CheckedUpload(v, ext));
  };

export interface FileStoreDeps {
  db: Db;
  files: FilesApi;
  clock: Clock;
  log: FastifyBaseLogger;
  maxBytes: number;
  urlTtl: number;
  /** Path prefix of the module's signed-download route, e.g. /backoffice/media. */
  mediaPath: string;
}

/** Stores the module's files in the files service, signs their URLs and deletes the ones no record points to. */
export function createFileStore(deps: FileStoreDeps) {
  const { db, files, clock, log } = deps;
  files.registerBucket(BUCKET, { maxBytes: deps.maxBytes, types: Object.values(MIME), managedBy: 'backoffice' });

  const purge = async (orphans: { shortName: string; dueAt: Date }[]) => {
    let deleted = 0;
    for (const o of orphans) {
      try {
        await files.delete(o.shortName).catch((err: unknown) => {
          if (!(err instanceof AppError && err.status === 404)) throw err;
        });
        await repo.dropOrphan(db, o.shortName, o.dueAt);
        deleted++;
      } catch (err) {
        log.warn({ err, file: o.shortName }, 'backoffice file deletion deferred to the sweep');
      }
    }
    return deleted;
  };

  return {
    /**
     * Stores a checked upload. It is recorded as an orphan in the files service's own transaction, so a record
     * that never commits leaves nothing behind for long: the record's transaction adopts it (`adopt`).
     */
    async store(file: CheckedUpload, ownerId: string | null): Promise<FileRef> {
      const base = file.upload.filename.replace(/\.[^.]*$/, '') || 'file';
      const row = await files.put({
        bucket: BUCKET,
        filename: `${base}.${file.ext}`,
        stream: Readable.from([file.upload.data]),
        ownerId,
        record: (t, stored) =>
          repo.orphanFiles(t, [stored.shortName], new Date(clock.now().getTime() + ADOPTION_GRACE_MS)),
      });
      return { shortName: row.shortName, key: row.pathInStorage, filename: row.filename, type: row.fileType };
    },

    /** In the record's transaction: the new files are kept, the replaced ones are due now. */
    async swap(t: Db, adopted: (FileRef | null | undefined)[], released: (FileRef | null | undefined)[]) {
      const names = (refs: (FileRef | null | undefined)[]) =>
        refs.filter((r): r is FileRef => Boolean(r)).map((r) => r.shortName);
      await repo.adoptFiles(t, names(adopted));
      await repo.orphanFiles(t, names(released), clock.now());
    },

    /** After the record's transaction: deletes the released files now (the sweep retries what fails). */
    async release(refs: (FileRef | null | undefined)[]) {
      const now = clock.now();
      await purge(refs.filter((r): r is FileRef => Boolean(r)).map((r) => ({ shortName: r.shortName, dueAt: now })));
    },

    /** The scheduled sweep: deletes due orphans (abandoned uploads, releases that failed). */
    async sweep(limit = 100) {
      return { deleted: await purge(await repo.dueOrphans(db, clock.now(), limit)) };
    },

    /** A signed URL for a response: S3 presigned, or this module's signed download route. */
    async url(req: FastifyRequest, ref: FileRef | null): Promise<string | null> {
      if (!ref) return null;
      const row = {
        shortName: ref.shortName,
        pathInStorage: ref.key,
        filename: ref.filename,
        fileType: ref.type,
      } as StoredFile;
      const { url, local } = await files.url(row, deps.urlTtl);
      return local ? `${req.publicOrigin}${deps.mediaPath}/${url}` : url;
    },

    /** The file behind a signed download URL of this module (verified). */
    async signed(shortName: string, expires: number, signature: string): Promise<StoredFile> {
      files.verifySignature(shortName, expires, signature);
      const row = await files.find(shortName);
      if (row.bucket !== BUCKET) throw new AppError('NOT_FOUND', 404, 'Not found.');
      return row;
    },
  };
}

export type FileStore = ReturnType<typeof createFileStore>;
