import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformContext } from '../../platform/context.js';
import type { AgoraModule, ScheduledTask } from '../../platform/http/module.js';
import type { IdentityApi } from '../identity/index.js';
import { filesAdmin } from './files.admin.js';
import { renderFilesError } from './files.errors.js';
import { filesRoutes } from './files.routes.js';
import { s3Store } from './files.s3.js';
import { createFilesService, type FilesService } from './files.service.js';
import { incomingDir, localStore, type BlobStore } from './files.storage.js';

export type { FileRow as StoredFile } from './files.repository.js';
export type { BucketPolicy, PutInput, Reader } from './files.service.js';
export type { ByteRange } from './files.storage.js';
export { parseRange, sendFile } from './files.routes.js';

/**
 * What other modules use of the files service: register a bucket policy, put a stream, find/open/delete a
 * file by short name, get a direct URL. The HTTP routes are a thin layer over the same calls. Over HTTP a
 * file is private to its owner and admins unless its bucket is public (FILES_PUBLIC_BUCKETS); a module gives
 * its users access to a file it keeps with `url(row, expiresIn)`, a signed URL that works until it expires.
 */
export type FilesApi = FilesService & {
  store: BlobStore;
  /** The blob sweep: must run in the worker whenever files are stored, whether or not the routes are mounted. */
  tasks: ScheduledTask[];
  close(): Promise<void>;
};

/** The URL-signing key: configured, else derived from JWT_SECRET, else a random one kept in DATA_DIR. */
function signingKey(ctx: PlatformContext): Buffer {
  const { config } = ctx;
  if (config.FILES_SIGNING_SECRET) return Buffer.from(config.FILES_SIGNING_SECRET);
  if (config.JWT_SECRET) return createHmac('sha256', config.JWT_SECRET).update('agora-files-url').digest();
  const file = join(config.DATA_DIR, 'files-signing-secret');
  if (!existsSync(file)) {
    mkdirSync(config.DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim());
}

/** Built by the app for every module, whether or not the files routes are mounted. */
export function createFiles(ctx: PlatformContext, opts: { store?: BlobStore } = {}): FilesApi {
  const { config } = ctx;
  const root = join(config.DATA_DIR, 'files');
  const store =
    opts.store ??
    (config.S3_ENDPOINT
      ? s3Store({
          endpoint: config.S3_ENDPOINT,
          region: config.S3_REGION,
          accessKeyId: config.S3_ACCESS_KEY_ID,
          secretAccessKey: config.S3_SECRET_ACCESS_KEY,
          bucket: config.S3_BUCKET,
          forcePathStyle: config.S3_FORCE_PATH_STYLE,
          publicEndpoint: config.S3_PUBLIC_ENDPOINT || undefined,
        })
      : localStore(root));
  const service = createFilesService({
    db: ctx.database.db,
    store,
    clock: ctx.clock,
    log: ctx.log,
    incoming: incomingDir(root),
    signingKey: signingKey(ctx),
    defaultBucket: config.FILES_DEFAULT_BUCKET,
    maxExpires: config.FILES_URL_MAX_EXPIRES,
    publicBuckets: config.FILES_PUBLIC_BUCKETS,
  });
  service.registerBucket(config.FILES_DEFAULT_BUCKET, {
    maxBytes: config.FILES_MAX_BYTES,
    types: config.FILES_ALLOWED_TYPES,
  });
  // Upload temp files a crashed process left: removed at start-up, and by the sweep once they are old.
  const leftovers = service.sweepIncoming();
  if (leftovers) ctx.log.info({ files: leftovers }, 'removed upload temp files left by a crash');
  const tasks: ScheduledTask[] = [
    {
      name: 'files.blobs.sweep',
      everySeconds: 60,
      run: async () => ({ ...(await service.sweepBlobs()), spool: service.sweepIncoming() }),
    },
  ];
  return Object.assign(service, { store, tasks, close: () => store.close() });
}

export function createFilesModule(ctx: PlatformContext, deps: { identity: IdentityApi; files: FilesApi }): AgoraModule {
  const mount = ctx.config.MOUNT_FILES === '/' ? '' : ctx.config.MOUNT_FILES.replace(/\/+$/, '');
  return {
    name: 'files',
    description: 'Blob storage with metadata, streaming, Range and expiring URLs (local directory or S3)',
    routes: filesRoutes(deps.files, deps.identity, mount),
    renderError: renderFilesError,
    admin: filesAdmin(deps.files),
  };
}
