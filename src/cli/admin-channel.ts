import { chmodSync, lstatSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join, relative, resolve } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { isDbCommand, type CommandArgs, type DbCommand } from './commands.js';

/**
 * The local admin channel: while a process holds the embedded database, CLI commands on the same DATA_DIR
 * send their work to it over a unix socket instead of opening the database a second time. The socket sits in
 * DATA_DIR/run, a directory only its owner may enter (0700), and is itself 0600: only the same user (or root)
 * on the same machine can use it, which is who could run the CLI against this DATA_DIR anyway.
 */
export const adminSocketPath = (dataDir: string) => join(resolve(dataDir), 'run', 'agora.sock');

export interface ChannelRequest {
  command: DbCommand;
  args: CommandArgs;
}
type Reply = { ok: true; lines: string[]; pid: number } | { ok: false; error: string };

const MAX_REQUEST = 64 * 1024;
const MAX_REPLY = 256 * 1024 * 1024;
/** sun_path holds 108 bytes on Linux and 104 on macOS, terminator included. */
const MAX_SOCKET_PATH = 100;

/** The path to hand to listen/connect: absolute, or relative to the working directory when that is too long. */
function socketAddress(path: string): string | undefined {
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH) return path;
  const rel = relative(process.cwd(), path);
  return Buffer.byteLength(rel) <= MAX_SOCKET_PATH ? rel : undefined;
}

/** Reads one newline-terminated JSON message of at most `max` characters. */
function readMessage(socket: Socket, max: number): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const end = buf.indexOf('\n');
      if (end >= 0) {
        try {
          resolvePromise(JSON.parse(buf.slice(0, end)));
        } catch {
          reject(new Error('malformed message'));
        }
      } else if (buf.length > max) reject(new Error('message too large'));
    });
    socket.on('error', reject);
    socket.on('end', () => reject(new Error('connection closed before a complete message')));
  });
}

export interface AdminChannel {
  path: string;
  close(): Promise<void>;
}

/**
 * Serves the admin channel for the process holding the database; undefined (with a warning) when it cannot
 * be offered safely, in which case CLI commands stop with the lock's message instead.
 */
export async function serveAdminChannel(
  dataDir: string,
  run: (req: ChannelRequest) => Promise<string[]>,
  log: FastifyBaseLogger,
): Promise<AdminChannel | undefined> {
  const path = adminSocketPath(dataDir);
  const dir = join(path, '..');
  const address = socketAddress(path);
  if (!address) {
    log.warn({ path }, 'admin channel not offered: its socket path is too long; CLI commands will be refused');
    return undefined;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    if (process.getuid && statSync(dir).uid !== process.getuid()) throw new Error(`${dir} belongs to another user`);
    // This process holds the database lock, so a socket left here is a dead server's.
    const old = lstatSync(path, { throwIfNoEntry: false });
    if (old?.isSocket()) unlinkSync(path);
    else if (old) throw new Error(`${path} exists and is not a socket`);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'admin channel not offered; CLI commands will be refused');
    return undefined;
  }

  const server = createServer((socket) => {
    socket.setTimeout(30_000, () => socket.destroy());
    void (async () => {
      let reply: Reply;
      try {
        const req = (await readMessage(socket, MAX_REQUEST)) as Partial<ChannelRequest>;
        socket.setTimeout(0);
        if (!isDbCommand(req.command)) throw new Error(`unknown command ${JSON.stringify(req.command)}`);
        log.info({ command: req.command }, 'admin command received over the local channel');
        reply = { ok: true, lines: await run({ command: req.command, args: req.args ?? {} }), pid: process.pid };
      } catch (err) {
        reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
      if (!socket.destroyed) socket.end(`${JSON.stringify(reply)}\n`);
    })();
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(address, () => resolvePromise());
  });
  chmodSync(path, 0o600);
  return {
    path,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.unref();
      }),
  };
}

export type ChannelResult =
  | { kind: 'done'; lines: string[]; pid: number }
  | { kind: 'failed'; error: string }
  | { kind: 'unreachable'; reason: string };

/** Sends one command to the process serving DATA_DIR's admin channel. */
export function callAdminChannel(dataDir: string, req: ChannelRequest): Promise<ChannelResult> {
  const path = adminSocketPath(dataDir);
  const address = socketAddress(path);
  if (!address) return Promise.resolve({ kind: 'unreachable', reason: `the socket path ${path} is too long` });
  return new Promise((resolvePromise) => {
    const socket = createConnection(address);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(req)}\n`);
    });
    // Replies can be large (the OpenAPI document).
    readMessage(socket, MAX_REPLY).then(
      (msg) => {
        const reply = msg as Reply;
        socket.destroy();
        resolvePromise(
          reply.ok ? { kind: 'done', lines: reply.lines, pid: reply.pid } : { kind: 'failed', error: reply.error },
        );
      },
      (err: NodeJS.ErrnoException) => {
        socket.destroy();
        resolvePromise(
          connected
            ? { kind: 'failed', error: `the server's admin channel failed: ${err.message}` }
            : { kind: 'unreachable', reason: `no admin channel at ${path} (${err.code ?? err.message})` },
        );
      },
    );
  });
}
