import { hostname } from 'node:os';

/** Whether a process with this id runs on this machine (one owned by another user counts as running). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This machine's name, as recorded in lock files and spool names (pids mean something only on their host). */
export const thisHost = (): string => hostname();
