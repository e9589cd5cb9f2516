// A process that tries to take a lock at a given moment, reports the outcome and holds a won lock briefly:
// several of these started together race for one lock (test/data-dir-lock.test.ts).
import { acquireLock, DataDirLockedError } from '../../src/platform/db/data-dir-lock.js';

const [file, at, holdMs] = process.argv.slice(2);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(at) - Date.now())));
try {
  const lock = await acquireLock(file!, 'the test directory', 'contender');
  process.stdout.write('won\n');
  await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  lock.release();
} catch (err) {
  process.stdout.write(err instanceof DataDirLockedError ? 'refused\n' : `error ${(err as Error).message}\n`);
}
