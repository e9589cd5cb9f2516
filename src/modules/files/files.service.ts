import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError, badRequest, notFound } from '../../platform/errors.js';
import { FILES_ERRORS as E } from './files.errors.js';
import { filesRepository, type FileRow, type FilesRepository } from './files.repository.js';
import { detectType, sanitizeFilename, SNIFF_BYTES } from './files.sniff.js';
import { spoolFile, sweepSpool } from './files.spool.js';
import { BlobNotFoundError, type BlobStore, type ByteRange } from './files.storage.js';

export interface BucketPolicy {
  maxBytes: number;
  /** Content types accepted, as detected from the bytes. */
  types: string[];
  /** The module that owns the bucket: only it (and admins) may write there; the files API answers 403. */
  managedBy?: string;
}

/** How long an upload may take between storing its object and committing its row before the sweep removes it. */
export const UPLOAD_GRACE_SECONDS = 3600;
/** How long a sweep owns the tombstones it claimed; past it, another sweep may take them. */
const CLAIM_LEASE_SECONDS = 600;
const retryAfter = (attempts: number) => Math.min(3600, 15 * 2 ** Math.min(attempts, 8));
const tx = (t: unknown) => t as Db;

export interface FilesDeps {
  db: Db;
  store: BlobStore;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Where uploads are spooled before they are stored (same filesystem as the local store). */
  incoming: string;
  signingKey: Buffer;
  defaultBucket: string;
  maxExpires: number;
  /** Buckets whose files anyone may read; every other file is private to its owner and admins. */
  publicBuckets?: string[];
  repo?: FilesRepository;
}

/** Who asks to read a file; undefined for an anonymous caller. */
export interface Reader {
  userId: string;
  admin: boolean;
}

/** Short names are server-made URL-safe tokens: anything else names no file and never reaches the database. */
export const SHORT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface PutInput {
  bucket?: string;
  filename?: string;
  stream: Readable;
  ownerId: string | null;
  /**
   * Runs inside the transaction that records the file, so the caller's own row (a tweet's media, say) commits
   * with it or not at all: no crash can leave a stored file that nothing of the caller points to. If it
   * throws, the file is not recorded and its object is removed.
   */
  record?: (t: Db, file: FileRow) => Promise<void>;
}

const tooLarge = (max: number) => new AppError(E.FILE_TOO_LARGE, 413, `File is larger than ${max} bytes`);

/** Counts, hashes and keeps the head of the bytes on their way to disk; stops past the size limit. */
function inspector(max: number) {
  const hash = createHash('sha256');
  const state = { size: 0, head: Buffer.alloc(0), sha256: '' };
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      state.size += chunk.length;
      if (state.size > max) return done(tooLarge(max));
      if (state.head.length < SNIFF_BYTES) state.head = Buffer.concat([state.head, chunk.subarray(0, SNIFF_BYTES)]);
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      state.sha256 = hash.digest('hex');
      done();
    },
  });
  return { stream, state };
}

export function createFilesService(deps: FilesDeps) {
  const { db, store, clock, log } = deps;
  const repo = deps.repo ?? filesRepository;
  const buckets = new Map<string, BucketPolicy>();
  const publicBuckets = new Set(deps.publicBuckets ?? []);

  const policyOf = (bucket: string) => {
    const p = buckets.get(bucket);
    if (!p) throw new AppError(E.UNKNOWN_BUCKET, 400, `Unknown bucket "${bucket}"`);
    return p;
  };
  const sign = (shortName: string, expires: number) =>
    createHmac('sha256', deps.signingKey).update(`${shortName}.${expires}`).digest('base64url');
  /**
   * Deletes the objects of claimed tombstones, then the tombstones; a store failure postpones its tombstone
   * with a backoff. `key` purges that one object now (due or not), if its tombstone still stands.
   */
  const purge = async (o: { key?: string; limit?: number } = {}) => {
    const now = clock.now();
    const leaseUntil = new Date(now.getTime() + CLAIM_LEASE_SECONDS * 1000);
    const claimed = await repo.claimBlobDeletions(db, { now, leaseUntil, limit: o.limit ?? 1, key: o.key });
    let deleted = 0;
    for (const d of claimed) {
      try {
        await store.delete(d.key);
        await repo.dropBlobDeletion(db, d.key);
        deleted++;
      } catch (err) {
        const next = new Date(clock.now().getTime() + retryAfter(d.attempts) * 1000);
        log.warn({ err, key: d.key, attempts: d.attempts }, 'object delete failed; retried by the sweep');
        await repo.postponeBlobDeletion(db, d.key, next, (err as Error).message ?? String(err));
      }
    }
    return { deleted, failed: claimed.length - deleted };
  };
  const keyFor = (ext: string) => {
    const now = clock.now();
    const quarter = Math.floor(now.getUTCMonth() / 3) + 1;
    return `uploads/${now.getUTCFullYear()}Q${quarter}/${clock.uuid()}${ext}`;
  };

  const service = {
    registerBucket(name: string, policy: BucketPolicy) {
      buckets.set(name, policy);
    },
    policy: (bucket?: string) => policyOf(bucket ?? deps.defaultBucket),
    /** The module a bucket belongs to, if any (unknown buckets have none). */
    managedBy: (bucket?: string) => buckets.get(bucket ?? deps.defaultBucket)?.managedBy,

    /**
     * Spools the upload to a temp file while checking size and hashing, checks the type from the bytes, stores
     * the object, then writes the row. Any failure leaves neither: the object's tombstone, written before it is
     * stored, is dropped only in the transaction that inserts the row.
     */
    async put(input: PutInput): Promise<FileRow> {
      const bucket = input.bucket ?? deps.defaultBucket;
      const policy = policyOf(bucket);
      await mkdir(deps.incoming, { recursive: true });
      const spool = spoolFile(deps.incoming, clock.uuid());
      const tmp = spool.path;
      const probe = inspector(policy.maxBytes);
      try {
        await pipeline(input.stream, probe.stream, createWriteStream(tmp));
        if ((input.stream as { truncated?: boolean }).truncated) throw tooLarge(policy.maxBytes);
        const detected = detectType(probe.state.head, input.filename ?? '');
        if (!detected || !policy.types.includes(detected.type)) {
          throw new AppError(
            E.UNSUPPORTED_TYPE,
            415,
            `File type not allowed here; accepted: ${policy.types.join(', ')}`,
          );
        }
        const key = keyFor(detected.ext);
        // The tombstone goes first: if anything below fails, even the process, the sweep removes the object.
        await repo.queueBlobDeletion(db, key, new Date(clock.now().getTime() + UPLOAD_GRACE_SECONDS * 1000));
        try {
          await store.putFile(key, tmp, probe.state.size, detected.type);
          return await db.transaction(async (t) => {
            const row = await repo.insert(tx(t), {
              id: clock.uuid(),
              shortName: clock.token(9),
              bucket,
              pathInStorage: key,
              filename: sanitizeFilename(input.filename, detected.ext),
              size: probe.state.size,
              fileType: detected.type,
              sha256: probe.state.sha256,
              ownerId: input.ownerId,
            });
            // Claimed only when a sweep took this upload for abandoned: its object is being deleted.
            if (!(await repo.dropUnclaimedBlobDeletion(tx(t), key))) {
              throw new Error(`upload of ${key} outlived its grace`);
            }
            await input.record?.(tx(t), row);
            return row;
          });
        } catch (err) {
          await purge({ key }).catch((e: Error) => log.error({ err: e, key }, 'object left for the blob sweep'));
          throw err;
        }
      } finally {
        await rm(tmp, { force: true });
        spool.done();
      }
    },

    /** The file of a short name, or undefined (also for a string that cannot be a short name). */
    async lookup(shortName: string): Promise<FileRow | undefined> {
      return SHORT_NAME.test(shortName) ? repo.byShortName(db, shortName) : undefined;
    },

    async find(shortName: string): Promise<FileRow> {
      const row = await service.lookup(shortName);
      if (!row) throw notFound('File not found');
      return row;
    },

    /** Anyone may read the files of a public bucket; others only their owner and admins. */
    isPublic: (bucket: string) => publicBuckets.has(bucket),
    readableBy: (row: FileRow, reader: Reader | undefined) =>
      publicBuckets.has(row.bucket) || Boolean(reader && (reader.admin || row.ownerId === reader.userId)),

    /** A file the reader may read; someone else's private file answers like an unknown one (404). */
    async findReadable(shortName: string, reader: Reader | undefined): Promise<FileRow> {
      const row = await service.lookup(shortName);
      if (!row || !service.readableBy(row, reader)) throw notFound('File not found');
      return row;
    },

    /** The bytes of a file, whole or a range of them; a row whose object is missing is a 404, logged. */
    async open(row: FileRow, range?: ByteRange): Promise<Readable> {
      return store.open(row.pathInStorage, range).catch((err: unknown) => {
        if (!(err instanceof BlobNotFoundError)) throw err;
        log.error({ key: row.pathInStorage, file: row.shortName }, 'file row without its object');
        throw new AppError(E.CONTENT_MISSING, 404, 'File not found');
      });
    },

    /**
     * Deletes the row and records the object as due for deletion in one transaction, then deletes the object.
     * A failed commit leaves both; a failed object delete leaves the tombstone for the sweep — never a row
     * without its object. `authorize` throws to refuse (it sees the locked row).
     */
    async delete(shortName: string, authorize: (row: FileRow) => void = () => undefined): Promise<void> {
      if (!SHORT_NAME.test(shortName)) throw notFound('File not found');
      const row = await db.transaction(async (t) => {
        const found = await repo.lockByShortName(tx(t), shortName);
        if (!found) throw notFound('File not found');
        authorize(found);
        await repo.deleteById(tx(t), found.id);
        await repo.queueBlobDeletion(tx(t), found.pathInStorage, clock.now());
        return found;
      });
      await purge({ key: row.pathInStorage }).catch((err: Error) =>
        log.warn({ err, key: row.pathInStorage }, 'object delete deferred to the blob sweep'),
      );
    },

    /** The scheduled retry: deletes the objects of due tombstones (abandoned uploads, failed deletes). */
    async sweepBlobs(limit = 100): Promise<{ deleted: number; failed: number }> {
      return purge({ limit });
    },

    /** Removes upload temp files that a crash left behind (see files.spool.ts); returns how many. */
    sweepIncoming(): number {
      return sweepSpool(deps.incoming, clock.now(), UPLOAD_GRACE_SECONDS * 1000);
    },

    /** An S3 presigned URL, or a path on this service signed with an HMAC and an expiry. */
    async url(row: FileRow, expiresIn = 3600): Promise<{ url: string; local: boolean }> {
      if (expiresIn < 1 || expiresIn > deps.maxExpires) {
        throw badRequest(`expires_in must be between 1 and ${deps.maxExpires}`);
      }
      const now = clock.now();
      const direct = await store.presign(row.pathInStorage, {
        expiresIn,
        filename: row.filename,
        contentType: row.fileType,
        now,
      });
      if (direct) return { url: direct, local: false };
      const expires = Math.floor(now.getTime() / 1000) + expiresIn;
      return { url: `${row.shortName}?expires=${expires}&signature=${sign(row.shortName, expires)}`, local: true };
    },

    verifySignature(shortName: string, expires: number, signature: string): void {
      const want = Buffer.from(sign(shortName, expires));
      const got = Buffer.from(signature);
      if (want.length !== got.length || !timingSafeEqual(want, got)) {
        throw new AppError(E.URL_INVALID, 403, 'URL signature is invalid');
      }
      if (expires * 1000 < clock.now().getTime()) throw new AppError(E.URL_EXPIRED, 403, 'URL has expired');
    },
  };
  return service;
}
export type FilesService = ReturnType<typeof createFilesService>;
