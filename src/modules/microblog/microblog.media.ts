import type { Readable } from 'node:stream';
import { AppError, notFound } from '../../platform/errors.js';
import { microblogAdminRepository as adminRepo } from './microblog.admin.repository.js';
import { microblogRepository as repo } from './microblog.repository.js';
import type { MicroblogDeps } from './microblog.service.js';

export const MEDIA_BUCKET = 'microblog';
/** Uploaded media not attached to a tweet within this time are deleted by the media sweep. */
export const UNATTACHED_MEDIA_TTL_SECONDS = 24 * 3600;
const SWEEP_BATCH = 200;
export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

const isNotFound = (err: unknown) => err instanceof AppError && err.status === 404;

/**
 * Tweet images: uploads (a file and its media row in one transaction), their content-addressed URLs, and their
 * removal — a deleted tweet's media, moderation, and the sweep of media never attached within the TTL.
 */
export function createMediaStore(deps: MicroblogDeps) {
  const { db, files, clock, log } = deps;
  files.registerBucket(MEDIA_BUCKET, { maxBytes: deps.mediaMaxBytes, types: IMAGE_TYPES, managedBy: 'microblog' });
  const ttlMs = (deps.unattachedMediaTtlSeconds ?? UNATTACHED_MEDIA_TTL_SECONDS) * 1000;
  const mediaUrl = (m: { sha256: string; ext: string }, base = deps.mediaPrefix) => `${base}/${m.sha256}${m.ext}`;

  /**
   * Deletes the files of media marked for removal, then their rows. A file the files service no longer knows
   * counts as deleted; any other failure keeps the row, so the sweep tries again.
   */
  async function purgeMedias(marked: { id: number; fileName: string }[]) {
    let failed = 0;
    for (const m of marked) {
      try {
        await files.delete(m.fileName).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        await repo.dropMedia(db, m.id);
      } catch (err) {
        failed++;
        log.warn({ err, media: m.id, file: m.fileName }, 'media deletion deferred to the media sweep');
      }
    }
    return { purged: marked.length - failed, failed };
  }

  return {
    /** Deletes the files of marked media, then their rows (a deleted tweet's media, after its commit). */
    purge: purgeMedias,
    /** What the service exposes. */
    api: {
      mediaUrl,

      /** Removes one media (the admin panel's moderation): its row is marked, then its file and row go. */
      async deleteMedia(id: number): Promise<void> {
        const marked = await adminRepo.markMedia(db, id, clock.now());
        if (!marked.length) throw notFound('Media not found');
        await purgeMedias(marked);
      },

      /** The scheduled task: marks media never attached within the TTL, then retries every pending media deletion. */
      async sweepMedia(): Promise<{ expired: number; purged: number; failed: number }> {
        const now = clock.now();
        const expired = await repo.markStaleMedias(db, new Date(now.getTime() - ttlMs), now, SWEEP_BATCH);
        return { expired: expired.length, ...(await purgeMedias(await repo.markedMedias(db, SWEEP_BATCH))) };
      },

      /** The file and its media row are recorded in one transaction (files' `record` hook). */
      async uploadMedia(me: number, userId: string, filename: string | undefined, stream: Readable): Promise<number> {
        let id = 0;
        await files.put({
          bucket: MEDIA_BUCKET,
          filename,
          stream,
          ownerId: userId,
          record: async (t, file) => {
            id = await repo.insertMedia(t, {
              ownerId: me,
              fileName: file.shortName,
              sha256: file.sha256,
              ext: /\.\w+$/.exec(file.pathInStorage)?.[0] ?? '',
            });
          },
        });
        if (!id) throw new Error('files.put returned without recording the media row');
        return id;
      },

      /** The media behind a content-addressed name `<sha256><ext>`. */
      async mediaFile(name: string) {
        const m = /^([0-9a-f]{64})(\.\w{1,8})$/.exec(name);
        const row = m && (await repo.mediaBySha(db, m[1]!));
        if (!row || row.ext !== m[2]) throw notFound('Media not found');
        return files.find(row.fileName);
      },
    },
  };
}
