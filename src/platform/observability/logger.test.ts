import { describe, expect, it } from 'vitest';
import { accessLogTo, type AccessEntry } from './logger.js';

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
