import { openSync, writeSync } from 'node:fs';
import {
  pino,
  type Bindings,
  type ChildLoggerOptions,
  type DestinationStream,
  type Logger,
  type LoggerOptions,
} from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import { telemetryLogOptions, traceMixin, tracing } from './tracing.js';

/** Credentials never reach the log, wherever they appear. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["api-key"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.old_password',
  '*.refresh_token',
  '*.access_token',
  '*.refresh',
  '*.access',
  '*.token',
  '*.secret',
];

/** One request, as the access log records it. */
export interface AccessEntry {
  reqId: string;
  status: number;
  method: string;
  route: string;
  path: string;
  size: number;
  ip: string;
  userAgent: string;
  durationMs: number;
}
export type AccessLog = (entry: AccessEntry) => void;

/**
 * The access log on a sink: the same JSON line pino would write (level, time, service, trace ids, fields,
 * msg), composed directly. Its fields are chosen by the kernel and never hold headers, bodies or query
 * strings, so it needs no redaction; composing it costs a fraction of a pino call on the hot path.
 */
export function accessLogTo(sink: DestinationStream, config: Pick<Config, 'LOG_LEVEL'>): AccessLog {
  if ((pino.levels.values[config.LOG_LEVEL] ?? Infinity) > pino.levels.values.info!) return () => undefined;
  const q = jsonString;
  // Under load many lines share a millisecond: the timestamp is formatted once per millisecond.
  let ms = 0;
  let time = '';
  return (e) => {
    const now = Date.now();
    if (now !== ms) {
      ms = now;
      time = new Date(now).toISOString();
    }
    sink.write(
      `{"level":"info","time":"${time}","service":"agora"${tracing() ? traceFields() : ''},"reqId":${q(e.reqId)},"status":${e.status},"method":${q(e.method)},"route":${q(e.route)},"path":${q(e.path)},"size":${e.size},"ip":${q(e.ip)},"userAgent":${q(e.userAgent)},"durationMs":${milliseconds(e.durationMs)},"msg":"request"}\n`,
    );
  };
}

function traceFields(): string {
  let out = '';
  const ids = traceMixin();
  for (const k in ids) out += `,${JSON.stringify(k)}:${JSON.stringify(ids[k])}`;
  return out;
}

/**
 * A duration rounded to 1/100 ms, as the same text String() gives, from its integer parts: formatting a double
 * costs about 230 ns, two small integers about 45 ns.
 */
export function milliseconds(ms: number): string {
  const hundredths = Math.round(ms * 100);
  if (!(hundredths >= 0 && hundredths < 1e15)) return String(hundredths / 100);
  const frac = hundredths % 100;
  const whole = (hundredths - frac) / 100;
  if (frac === 0) return `${whole}`;
  return frac % 10 === 0 ? `${whole}.${frac / 10}` : `${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

/**
 * A string as JSON, the same text JSON.stringify gives. Access-log fields are nearly always printable ASCII
 * with no quote or backslash, which need no escaping: those are quoted as they are, without a call into
 * JSON.stringify (a third of the line's cost). Anything else goes through JSON.stringify.
 */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** The access log through a given logger (tests capture lines this way). */
export const accessLogVia =
  (logger: { info(obj: object, msg: string): void }): AccessLog =>
  (e) =>
    logger.info(e, 'request');

export type RequestLogger = FastifyBaseLogger & Pick<Logger, 'isLevelEnabled' | 'bindings'>;

/**
 * A request's logger, made on first use. Fastify gives every request a pino child bound to its id; making one
 * costs an object and a serialised binding per request, yet a request rarely logs anything but its access
 * line, which is written apart (accessLogTo). The child is made when the request first logs at a level that is on.
 */
export function lazyChild(parent: Logger, bindings: Bindings, opts: ChildLoggerOptions): RequestLogger {
  return new LazyChild(parent, bindings, opts);
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Fastify's logger interface, all of it, over a child made on demand. */
class LazyChild implements RequestLogger {
  private made?: Logger;
  constructor(
    private readonly parent: Logger,
    private readonly own: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}
  private get real(): Logger {
    return (this.made ??= this.parent.child(this.own, this.opts));
  }
  /** Logs through the child, unless the level is off (then no child is made for it). */
  private at(level: Level, args: unknown[]): void {
    if (!this.made && this.opts.level === undefined && !this.parent.isLevelEnabled(level)) return;
    (this.real[level] as (...a: unknown[]) => void)(...args);
  }
  get level(): string {
    return this.made?.level ?? this.opts.level ?? this.parent.level;
  }
  set level(level: string) {
    this.real.level = level;
  }
  isLevelEnabled(level: string): boolean {
    return (this.made || this.opts.level ? this.real : this.parent).isLevelEnabled(level);
  }
  bindings(): Bindings {
    return this.real.bindings();
  }
  child(bindings: Bindings, opts?: ChildLoggerOptions): Logger {
    return this.real.child(bindings, opts);
  }
  fatal(...args: unknown[]): void {
    this.at('fatal', args);
  }
  error(...args: unknown[]): void {
    this.at('error', args);
  }
  warn(...args: unknown[]): void {
    this.at('warn', args);
  }
  info(...args: unknown[]): void {
    this.at('info', args);
  }
  debug(...args: unknown[]): void {
    this.at('debug', args);
  }
  trace(...args: unknown[]): void {
    this.at('trace', args);
  }
  silent(): void {}
}

export function logOptions(config: Pick<Config, 'LOG_LEVEL'>): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { service: 'agora' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    ...telemetryLogOptions(),
  };
}

/**
 * Where both logs write: lines gathered in memory and written to the file descriptor in blocks of 64 KiB,
 * at least every 250 ms (a quiet server's lines still appear at once), and on exit. One synchronous write
 * per block keeps lines whole and in order (both loggers share the sink) and loses nothing on exit; under
 * load it is one system call per ~200 lines instead of one per line. (sonic-boom's buffered mode measures
 * its whole buffer on every write, which made a log line cost 4 µs.)
 */
export class LogSink implements DestinationStream {
  private parts: string[] = [];
  private size = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly onExit = () => this.flush();

  constructor(
    private readonly fd: number,
    private readonly blockSize = 65_536,
    flushMs = 250,
  ) {
    this.timer = setInterval(() => this.flush(), flushMs);
    this.timer.unref();
    process.once('exit', this.onExit);
  }

  write(line: string): void {
    this.parts.push(line);
    this.size += line.length;
    if (this.size >= this.blockSize) this.flush();
  }

  flush(): void {
    if (!this.size) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    // The block goes out as a string in one call; only a partial write (a full pipe) needs it as bytes.
    let written = 0;
    try {
      written = writeSync(this.fd, text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
    if (written === Buffer.byteLength(text)) return;
    let data = Buffer.from(text).subarray(written);
    for (let tries = 0; data.length && tries < 1000;) {
      try {
        data = data.subarray(writeSync(this.fd, data));
      } catch (err) {
        // A full non-blocking pipe: wait a moment for the reader, as sonic-boom does.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        tries++;
        Atomics.wait(PAUSE, 0, 0, 1);
      }
    }
  }

  close(): void {
    this.flush();
    clearInterval(this.timer);
    process.removeListener('exit', this.onExit);
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

export function logDestination(dest: number | string = 1): LogSink {
  return new LogSink(typeof dest === 'number' ? dest : openSync(dest, 'a'));
}
