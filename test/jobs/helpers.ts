import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Starts test/jobs/worker-child.ts and resolves once it printed `line`. */
export function spawnWorker(config: Record<string, string>): {
  child: ChildProcess;
  waitFor(line: string, timeoutMs?: number): Promise<void>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'worker-child.ts')], {
    env: { ...process.env, CHILD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  });
  return {
    child,
    waitFor: (line, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child never printed ${line}; got: ${out}`)), timeoutMs);
        const check = () => {
          if (out.includes(line)) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns true (or fails after `timeoutMs`). */
export async function eventually(fn: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition') {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}
