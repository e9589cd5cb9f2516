import { createHash } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, thisHost } from '../../platform/processes.js';

/**
 * The upload spool (DATA_DIR/files/.incoming): an upload is written here while it is checked, then moved into
 * the store. A temp file is named `<host>-<pid>-<uuid>`, so that what a crashed process left behind can be
 * told apart from uploads still being written by this or another process sharing the directory.
 */
const HOST = createHash('sha256').update(thisHost()).digest('hex').slice(0, 8);
const NAME = /^([0-9a-f]{8})-(\d+)-[0-9a-f-]{36}$/;
/** Spool files this process is writing now. */
const inFlight = new Set<string>();

export function spoolFile(dir: string, uuid: string): { path: string; done(): void } {
  const name = `${HOST}-${process.pid}-${uuid}`;
  inFlight.add(name);
  return { path: join(dir, name), done: () => void inFlight.delete(name) };
}

/**
 * Removes the temp files of uploads that will never finish: at once those of a process of this host that is
 * gone (or of an earlier process that had this pid), and anything not written to for `maxAgeMs` (files of
 * other hosts, of other live processes, or not named by us) — an upload in progress keeps its mtime fresh.
 * Synchronous: the spool holds a handful of files, and start-up runs it before anything else can upload.
 */
export function sweepSpool(dir: string, now: Date, maxAgeMs: number): number {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of entries) {
    if (inFlight.has(name)) continue;
    const m = NAME.exec(name);
    const pid = m && m[1] === HOST ? Number(m[2]) : undefined;
    let abandoned = pid !== undefined && (pid === process.pid || !processAlive(pid));
    if (!abandoned) {
      const mtime = statSync(join(dir, name), { throwIfNoEntry: false })?.mtimeMs;
      abandoned = mtime !== undefined && now.getTime() - mtime > maxAgeMs;
    }
    if (abandoned) {
      rmSync(join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}
