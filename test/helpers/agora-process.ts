import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const BIN = 'bin/agora.js';

export type Env = Record<string, string | undefined>;

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs one `agora` command to its end; resolves with its exit code and output whatever the code. */
export async function agoraCli(env: Env, ...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env,
      timeout: 180_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts `agora <mode>`; resolves once it prints that it serves, rejects if it exits first. */
export function startAgora(env: Env, mode = 'start', timeoutMs = 300_000): Promise<Running> {
  const child = spawn(process.execPath, [BIN, mode], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running: Running = { child, output: () => out, exited };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agora ${mode} did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = setInterval(() => {
      if (/Agora serving/.test(out)) {
        clearInterval(check);
        clearTimeout(timer);
        resolve(running);
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(Object.assign(new Error(`agora ${mode} exited with ${code}:\n${out}`), { code, output: out }));
    });
  });
}

/** Stops a running agora with a signal and waits for it to end. */
export async function stopAgora(running: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  running.child.kill(signal);
  return running.exited;
}
