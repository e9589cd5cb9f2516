import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { processAlive, thisHost } from '../processes.js';

/** What a lock file records about the process holding it. */
export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  command: string;
  /** Tells this holding apart from an earlier one by a process that had the same pid (a restarted container). */
  nonce: string;
}

/** A holder refreshes its lock file this often... */
export const HEARTBEAT_MS = 10_000;
/** ...so a lock from another host (a shared volume) not refreshed for this long is abandoned. */
export const FOREIGN_STALE_MS = 120_000;
const ATTEMPTS = 100;

/** Nonces of the locks this process holds: a lock naming our own pid is ours only if listed here. */
const heldHere = new Set<string>();

export function describeHolder(h: LockHolder): string {
  return `\`${h.command}\` (pid ${h.pid} on ${h.hostname}, since ${h.startedAt})`;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | undefined,
    what: string,
  ) {
    super(
      holder
        ? `${what} is in use by ${describeHolder(holder)}. Only one process may open the embedded database: ` +
            `stop that one first, or set DATABASE_URL (PostgreSQL) to run several. Lock file: ${lockFile}`
        : `${what} is locked, and its lock file ${lockFile} is unreadable; ` +
            'if no Agora process uses this directory, delete that file',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly file: string;
  readonly holder: LockHolder;
  release(): void;
}

/** The words of the command line up to the first option: `agora start`, never an option's value (a password). */
export function commandLine(argv = process.argv): string {
  const script = argv[1] ? basename(argv[1]).replace(/\.[cm]?[jt]s$/, '') : 'node';
  const words: string[] = [];
  for (const arg of argv.slice(2)) {
    if (arg.startsWith('-')) break;
    words.push(arg);
  }
  return [script, ...words].join(' ').slice(0, 200);
}

type Seen = { holder: LockHolder; text: string; mtimeMs: number } | { corrupt: string; mtimeMs: number } | undefined;

function read(file: string): Seen {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (typeof h.pid === 'number' && typeof h.hostname === 'string' && typeof h.nonce === 'string')
      return { holder: h, text, mtimeMs };
  } catch {
    // fall through: not a lock we wrote
  }
  return { corrupt: text, mtimeMs };
}

/**
 * Creates `file` holding `text`, atomically and only if it does not exist: the content is written to a
 * private name first and then hard-linked, so nobody ever reads a half-written lock.
 */
function create(file: string, text: string): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // A filesystem without hard links: exclusive create (a reader may briefly see it empty: treated as busy).
    try {
      writeFileSync(file, text, { flag: 'wx', mode: 0o644 });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes `file` only if it still holds `text`: it is renamed aside (atomic) and checked; a file that turns
 * out to be another one (replaced in between) is linked back.
 */
function removeIfUnchanged(file: string, text: string): void {
  const aside = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if (readFileSync(aside, 'utf8') !== text) linkSync(aside, file);
  } catch {
    // linked back by nobody: the next attempt reads whatever is there now
  } finally {
    unlinkSync(aside);
  }
}

/** Why a lock (or takeover guard) no longer protects anything, or undefined while its holder may still run. */
function staleReason(h: LockHolder, mtimeMs: number, now: number): string | undefined {
  if (h.hostname === thisHost()) {
    if (h.pid === process.pid) return heldHere.has(h.nonce) ? undefined : 'left by an earlier process with this pid';
    return processAlive(h.pid) ? undefined : `process ${h.pid} is gone`;
  }
  return now - mtimeMs > FOREIGN_STALE_MS ? `not refreshed for ${Math.round((now - mtimeMs) / 1000)} s` : undefined;
}

/**
 * Removes a stale lock, serialised with other starts by a guard file: without it, two starts that both saw
 * the same stale lock could each remove it, the second one removing the fresh lock of the first. The guarded
 * section is synchronous, so a guard outlives its holder only if that process died inside it; a guard whose
 * holder is gone is itself removed (only if unchanged).
 * Returns false when the guard is busy (the caller tries again shortly). Exported for the tests, which replay
 * the interleavings that a race between real processes hits only rarely.
 */
export function takeOver(file: string, stale: { text: string }, me: LockHolder): boolean {
  const guard = `${file}.takeover`;
  const mine = JSON.stringify({ ...me, nonce: randomBytes(8).toString('hex') });
  if (!create(guard, mine)) {
    const g = read(guard);
    if (g && 'holder' in g && staleReason(g.holder, g.mtimeMs, Date.now())) removeIfUnchanged(guard, g.text);
    else if (g && 'corrupt' in g && Date.now() - g.mtimeMs > FOREIGN_STALE_MS) removeIfUnchanged(guard, g.corrupt);
    return false;
  }
  try {
    // Under the guard nobody else removes the lock, so reading then unlinking cannot hit a fresh one.
    const again = read(file);
    if (again && 'holder' in again && again.text === stale.text) unlinkSync(file);
  } finally {
    removeIfUnchanged(guard, mine);
  }
  return true;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the exclusive lock `file` for this process, or throws DataDirLockedError naming the process holding
 * it. A lock whose holder is gone (a dead pid on this host, or a lock from another host not refreshed for
 * FOREIGN_STALE_MS) is taken over. `what` names the protected thing in messages.
 */
export async function acquireLock(file: string, what: string, command = commandLine()): Promise<DataDirLock> {
  const me: LockHolder = {
    pid: process.pid,
    hostname: thisHost(),
    startedAt: new Date().toISOString(),
    command,
    nonce: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (create(file, text)) return held(file, me);
    const seen = read(file);
    if (!seen) continue;
    if ('corrupt' in seen) {
      // Empty for an instant on filesystems without hard links; anything else is not ours to remove.
      if (attempt < 10) {
        await sleep(50);
        continue;
      }
      throw new DataDirLockedError(file, undefined, what);
    }
    if (!staleReason(seen.holder, seen.mtimeMs, Date.now())) throw new DataDirLockedError(file, seen.holder, what);
    if (!takeOver(file, seen, me)) await sleep(20 + Math.random() * 30);
  }
  throw new Error(`could not take the lock ${file}: other processes keep taking it over`);
}

function held(file: string, me: LockHolder): DataDirLock {
  heldHere.add(me.nonce);
  const ours = () => {
    const seen = read(file);
    return Boolean(seen && 'holder' in seen && seen.holder.nonce === me.nonce);
  };
  const heartbeat = setInterval(() => {
    try {
      if (ours()) utimesSync(file, new Date(), new Date());
    } catch {
      // a missed refresh only matters after FOREIGN_STALE_MS of them
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    process.off('exit', release);
    try {
      if (ours()) unlinkSync(file);
    } finally {
      heldHere.delete(me.nonce);
    }
  };
  // A process ending without closing its database (an uncaught error, process.exit) leaves no lock behind.
  process.on('exit', release);
  return { file, holder: me, release };
}
