// A process that races others for one lock (test/data-dir-lock.test.ts): it says "ready", waits for the
// file `<control>/go`, tries to take the lock, reports "won" or "refused", and holds a won lock until the file
// `<control>/done` appears, so that every contender has tried while the winner still held it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock, DataDirLockedError } from '../../src/platform/db/data-dir-lock.js';

const [file, control] = process.argv.slice(2) as [string, string];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
process.stdout.write('ready\n');
while (!existsSync(join(control, 'go'))) await sleep(5);
// The go file names a moment; spinning through its last milliseconds lines the contenders up closely.
const at = Number(readFileSync(join(control, 'go'), 'utf8'));
await sleep(at - Date.now() - 3);
while (Date.now() < at);
try {
  const lock = await acquireLock(file, 'the test directory', 'contender');
  process.stdout.write('won\n');
  while (!existsSync(join(control, 'done'))) await sleep(10);
  lock.release();
} catch (err) {
  process.stdout.write(err instanceof DataDirLockedError ? 'refused\n' : `error ${(err as Error).message}\n`);
}
