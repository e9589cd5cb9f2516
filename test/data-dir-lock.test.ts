import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, commandLine, DataDirLockedError, takeOver } from '../src/platform/db/data-dir-lock.js';
import { openDatabase } from '../src/platform/db/database.js';

const dir = () => mkdtempSync(join(tmpdir(), 'agora-lock-'));
/** The pid of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;
const plant = (file: string, holder: Record<string, unknown>) =>
  writeFileSync(
    file,
    JSON.stringify({ startedAt: '2020-01-01T00:00:00.000Z', command: 'agora start', nonce: 'n0', ...holder }),
  );

describe('the embedded database lock', () => {
  it('a second opener is refused with the holder named; after release the lock is free again', async () => {
    const file = join(dir(), 'pg.lock');
    const lock = await acquireLock(file, '/srv/data', 'agora start');
    const held = JSON.parse(readFileSync(file, 'utf8'));
    expect(held).toMatchObject({ pid: process.pid, hostname: hostname(), command: 'agora start' });
    expect(new Date(held.startedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const refused = await acquireLock(file, '/srv/data').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toContain(`/srv/data is in use by \`agora start\` (pid ${process.pid} on`);
    lock.release();
    expect(existsSync(file)).toBe(false);
    (await acquireLock(file, '/srv/data')).release();
  });

  it('opening the same PGlite directory twice fails, and works again once the first is closed', async () => {
    const pg = join(dir(), 'pg');
    const first = await openDatabase({ dataDir: pg });
    await expect(openDatabase({ dataDir: pg })).rejects.toBeInstanceOf(DataDirLockedError);
    await first.close();
    await (await openDatabase({ dataDir: pg })).close();
  }, 60_000);

  it('takes over the lock of a dead process on this host, and of an earlier process that had our pid', async () => {
    const file = join(dir(), 'pg.lock');
    plant(file, { pid: deadPid(), hostname: hostname() });
    const a = await acquireLock(file, 'd');
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    a.release();
    // A restarted container often gets the same pid: a lock naming it that this process did not take is stale.
    plant(file, { pid: process.pid, hostname: hostname(), nonce: 'from-an-earlier-run' });
    const b = await acquireLock(file, 'd');
    expect(JSON.parse(readFileSync(file, 'utf8')).nonce).toBe(b.holder.nonce);
    b.release();
  });

  it('a lock from another host counts while it is refreshed, and is taken over once it is not', async () => {
    const file = join(dir(), 'pg.lock');
    plant(file, { pid: 1, hostname: 'elsewhere' });
    await expect(acquireLock(file, 'd')).rejects.toThrow(/in use by `agora start` \(pid 1 on elsewhere/);
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(file, old, old);
    (await acquireLock(file, 'd')).release();
  });

  it('an unreadable lock is not removed: the message says what to do', async () => {
    const file = join(dir(), 'pg.lock');
    writeFileSync(file, 'not a lock');
    await expect(acquireLock(file, 'd')).rejects.toThrow(/unreadable; if no Agora process uses this directory/);
    expect(readFileSync(file, 'utf8')).toBe('not a lock');
  });

  it('never records an option value (a password) as the command', () => {
    expect(commandLine(['/usr/bin/node', '/app/bin/agora.js', 'createsuperuser', '--password', 'secret'])).toBe(
      'agora createsuperuser',
    );
    expect(commandLine(['/usr/bin/node', '/app/bin/agora.js', 'apikey', 'create', '--user', 'u'])).toBe(
      'agora apikey create',
    );
  });

  // The interleaving two starts can hit: B reads the stale lock, A takes it over, then B acts on what it read.
  it('a start acting on a stale lock it read earlier never removes the lock another start has taken since', async () => {
    const file = join(dir(), 'pg.lock');
    plant(file, { pid: deadPid(), hostname: hostname() });
    const seenByB = readFileSync(file, 'utf8');
    const a = await acquireLock(file, 'd', 'agora start');
    const b = { pid: process.pid + 1, hostname: hostname(), startedAt: '', command: 'b', nonce: 'b' };
    expect(takeOver(file, { text: seenByB }, b)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).nonce).toBe(a.holder.nonce);
    await expect(acquireLock(file, 'd')).rejects.toThrow(/in use by `agora start`/);
    a.release();
  });

  it('a takeover guard left by a dead process is cleared; one held by a live process makes the start give up', async () => {
    const file = join(dir(), 'pg.lock');
    const guard = `${file}.takeover`;
    plant(file, { pid: deadPid(), hostname: hostname() });
    plant(guard, { pid: deadPid(), hostname: hostname(), nonce: 'g' });
    const lock = await acquireLock(file, 'd');
    expect(existsSync(guard)).toBe(false);
    lock.release();
    plant(file, { pid: deadPid(), hostname: hostname() });
    plant(guard, { pid: process.ppid, hostname: hostname(), nonce: 'g' });
    await expect(acquireLock(file, 'd')).rejects.toThrow(/other processes keep taking it over/);
    expect(JSON.parse(readFileSync(file, 'utf8')).command).toBe('agora start');
  }, 30_000);

  // Processes let go together against one stale lock: exactly one may win each round, however they
  // interleave reading the dead holder, removing it and creating their own.
  it('exactly one of several processes racing for a stale lock gets it', async () => {
    const root = dir();
    for (let round = 0; round < 3; round++) {
      const file = join(root, `race-${round}.lock`);
      const control = mkdtempSync(join(tmpdir(), 'agora-lock-control-'));
      plant(file, { pid: deadPid(), hostname: hostname() });
      const contenders = Array.from({ length: 6 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/lock-contender.ts', file, control]);
        const lines: string[] = [];
        child.stdout.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
        const exited = new Promise((resolve) => child.once('exit', resolve));
        return { lines, exited };
      });
      const outcomes = () => contenders.map((c) => c.lines.find((l) => l !== 'ready'));
      await expect.poll(() => contenders.every((c) => c.lines.includes('ready')), { timeout: 60_000 }).toBe(true);
      writeFileSync(join(control, 'go'), String(Date.now() + 200));
      await expect.poll(() => outcomes().every(Boolean), { timeout: 60_000 }).toBe(true);
      writeFileSync(join(control, 'done'), '');
      await Promise.all(contenders.map((c) => c.exited));
      expect(outcomes().filter((o) => o === 'won')).toHaveLength(1);
      expect(outcomes().filter((o) => o === 'refused')).toHaveLength(5);
    }
    // No guard or temporary files are left behind.
    expect(readdirSync(root)).toEqual([]);
  }, 240_000);
});
