import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { accessLogTo, jsonString, lazyChild, milliseconds, LogSink, logOptions, type AccessEntry } from './logger.js';

const entry: AccessEntry = {
  reqId: 'r-1',
  status: 200,
  method: 'GET',
  route: '/wishlist/api/wishes/:id/',
  path: '/wishlist/api/wishes/7/',
  size: 15,
  ip: '127.0.0.1',
  userAgent: 'ua "quoted" \\ \u0001',
  durationMs: 0.52,
};

describe('access log line', () => {
  it('is one JSON line with pino’s envelope and every field, strings escaped', () => {
    const lines: string[] = [];
    accessLogTo({ write: (s: string) => void lines.push(s) }, { LOG_LEVEL: 'info' })(entry);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(lines[0]!);
    expect(parsed).toEqual({ level: 'info', time: expect.any(String), service: 'agora', ...entry, msg: 'request' });
    expect(new Date(parsed.time).toISOString()).toBe(parsed.time);
  });

  it('is silent above info', () => {
    const lines: string[] = [];
    for (const level of ['warn', 'error', 'fatal', 'silent'] as const)
      accessLogTo({ write: (s: string) => void lines.push(s) }, { LOG_LEVEL: level })(entry);
    accessLogTo({ write: (s: string) => void lines.push(s) }, { LOG_LEVEL: 'debug' })(entry);
    expect(lines).toHaveLength(1);
  });
});

describe('jsonString', () => {
  it('gives the text JSON.stringify gives, for every kind of character', () => {
    const cases = [
      '',
      'plain /path?x=1',
      '"',
      '\\',
      'a"b\\c',
      '\u0000',
      '\n\t',
      '\u001f',
      '\u007f',
      'é',
      '日本',
      '😀',
      '\ud800',
      'x\udfff',
      ' ~',
    ];
    for (const s of cases) expect(jsonString(s)).toBe(JSON.stringify(s));
    // and for random strings over ASCII, control characters, quotes, backslashes and surrogate halves
    const pool = [0x00, 0x09, 0x1f, 0x20, 0x22, 0x2f, 0x41, 0x5c, 0x7e, 0x7f, 0x80, 0xe9, 0xd800, 0xdc00, 0xffff];
    for (let n = 0; n < 2000; n++) {
      const len = n % 12;
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(pool[(n * 7 + i * 13 + (n >> 3)) % pool.length]!);
      expect(jsonString(s)).toBe(JSON.stringify(s));
    }
  });
});

describe('milliseconds', () => {
  it('gives the text String() gives for the duration rounded to 1/100 ms', () => {
    const cases = [
      0, 0.001, 0.004, 0.005, 0.01, 0.1, 0.5, 1, 1.05, 1.5, 9.99, 10, 123.45, 1234567.89, 0.125, 2.675, 1e14,
    ];
    for (const x of cases) expect(milliseconds(x)).toBe(String(Math.round(x * 100) / 100));
    for (let i = 0; i < 20_000; i++) {
      const x = (i % 7 === 0 ? 1000 : 1) * Math.random() * (i % 3 === 0 ? 1 : 100);
      expect(milliseconds(x)).toBe(String(Math.round(x * 100) / 100));
    }
    for (const odd of [NaN, Infinity, -1, 1e20]) expect(milliseconds(odd)).toBe(String(Math.round(odd * 100) / 100));
  });
});

describe('log sink', () => {
  it('delivers every line whole and in order through a slow non-blocking pipe, multi-byte text included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agora-sink-'));
    const fifo = join(dir, 'fifo');
    const out = join(dir, 'out');
    execFileSync('mkfifo', [fifo]);
    // The reader opens the pipe at once but starts reading late: the writer meets a full pipe (EAGAIN) and
    // partial writes, which can end inside a multi-byte character.
    const reader = spawn('sh', ['-c', `exec 3<"${fifo}"; sleep 0.3; cat <&3 > "${out}"`]);
    let fd = -1;
    for (let i = 0; fd < 0 && i < 200; i++) {
      try {
        fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch {
        await new Promise((r) => setTimeout(r, 10)); // ENXIO until the reader has opened its end
      }
    }
    const sink = new LogSink(fd, 65_536, 60_000);
    const lines = Array.from({ length: 5000 }, (_, i) => `{"n":${i},"s":"h\u00e9llo \u2713 ${'x'.repeat(i % 97)}"}\n`);
    for (const line of lines) sink.write(line);
    sink.close();
    closeSync(fd);
    await once(reader, 'exit');
    expect(readFileSync(out, 'utf8')).toBe(lines.join(''));
  });
});

describe('lazy request logger', () => {
  it('makes its pino child on the first log call only, with the bindings and options it was given', () => {
    const lines: Record<string, unknown>[] = [];
    const parent = pino(logOptions({ LOG_LEVEL: 'info' }), { write: (l: string) => void lines.push(JSON.parse(l)) });
    let made = 0;
    const child = parent.child.bind(parent);
    parent.child = ((...args: Parameters<typeof child>) => (made++, child(...args))) as typeof parent.child;
    const quiet = lazyChild(parent, { reqId: 'q-1' }, {});
    expect(quiet.level).toBe('info');
    expect(quiet.isLevelEnabled('debug')).toBe(false);
    const debug = lazyChild(parent, { reqId: 'd-1' }, { level: 'debug' });
    expect(debug.level).toBe('debug');
    quiet.debug('below the level: no child for it');
    quiet.trace('nor for this');
    expect(made).toBe(0);
    expect(debug.isLevelEnabled('debug')).toBe(true);
    debug.debug({ n: 1 }, 'detail');
    quiet.error({ err: new Error('bad') }, 'failed');
    expect(made).toBe(2);
    expect(lines).toMatchObject([
      { level: 'debug', reqId: 'd-1', n: 1, msg: 'detail' },
      { level: 'error', reqId: 'q-1', msg: 'failed', err: { message: 'bad' } },
    ]);
  });
});
