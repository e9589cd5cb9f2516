import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config.js';
import { parseDsn, startSentry } from '../../src/platform/observability/sentry.js';
import { TEST_SECRET, unique } from '../helpers/app.js';
import { testDatabase, usingPostgres } from '../helpers/db.js';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  scope: string;
  attributes: Record<string, unknown>;
}

/** A local receiver: OTLP/HTTP JSON on /v1/traces and Sentry envelopes on /api/<project>/envelope/. */
function receiver() {
  const spans: Span[] = [];
  const envelopes: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as {
          resourceSpans: { scopeSpans: { scope: { name: string }; spans: Omit<Span, 'scope'>[] }[] }[];
        };
        for (const rs of doc.resourceSpans)
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) {
              const attributes = Object.fromEntries(
                (s.attributes as unknown as { key: string; value: Record<string, unknown> }[]).map((a) => [
                  a.key,
                  Object.values(a.value)[0],
                ]),
              );
              spans.push({ ...s, scope: ss.scope.name, attributes });
            }
      } else envelopes.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { spans, envelopes, server };
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

async function until<T>(fn: () => T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('OpenTelemetry: `agora serve` with OTEL_EXPORTER_OTLP_ENDPOINT exports a trace per request', () => {
  const rx = receiver();
  let app: ChildProcess;
  let base = '';
  let out = '';
  beforeAll(async () => {
    const rxPort = await listen(rx.server);
    // With TEST_DATABASE_URL the child uses this worker's migrated PostgreSQL database (pg spans);
    // with embedded PGlite there is no pg driver, so only the HTTP spans can be asserted.
    const { url } = await testDatabase();
    app = spawn(process.execPath, ['bin/agora.js', 'serve'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'agora-otel-')),
        DATABASE_URL: url ?? '',
        JWT_SECRET: TEST_SECRET,
        DEMO_DATA: 'false',
        LOG_LEVEL: 'info',
        ARGON2_MEMORY_KIB: '4096',
        ARGON2_ITERATIONS: '1',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rxPort}`,
        OTEL_SERVICE_NAME: 'agora-test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    app.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    app.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const line = await until(() => /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1], 90_000, `the app to listen:\n${out}`);
    // main logs the configured port (0); the real one is in Fastify's "Server listening" line
    base = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? line;
  }, 120_000);
  afterAll(() => {
    app?.kill('SIGTERM');
    rx.server.close();
  });

  it('one request → HTTP server span, Fastify route span and (on PostgreSQL) pg spans in one trace', async () => {
    const username = unique('otel');
    const res = await fetch(`${base}/idp/api/v1/users/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'not-the-password' }),
    });
    expect(res.status).toBe(401);
    const server = await until(
      () =>
        rx.spans.find((s) => s.scope.includes('instrumentation-http') && s.name.includes('/idp/api/v1/users/token')),
      15_000,
      'the HTTP server span',
    );
    const trace = () => rx.spans.filter((s) => s.traceId === server.traceId);
    const route = await until(
      () => trace().find((s) => s.scope === '@fastify/otel' && s.name === 'POST /idp/api/v1/users/token'),
      5000,
      'the fastify span',
    );
    expect(route.parentSpanId).toBe(server.spanId);
    if (usingPostgres()) {
      const db = await until(
        () => trace().find((s) => s.scope.includes('instrumentation-pg') && /query/.test(s.name)),
        5000,
        'a pg span',
      );
      expect(db.attributes['db.system'] ?? db.attributes['db.system.name']).toBe('postgresql');
    }
    // trace id in the log lines written while handling the request (the child's stdout may arrive after the span)
    const logLine = await until(
      () => out.split('\n').find((l) => l.includes('"msg":"request"') && l.includes('/idp/api/v1/users/token')),
      5000,
      'the access-log line',
    );
    expect(JSON.parse(logLine)).toMatchObject({ trace_id: server.traceId });
  }, 30_000);

  it('health probes and metric scrapes are not traced', async () => {
    await fetch(`${base}/health`);
    await fetch(`${base}/metrics`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(rx.spans.filter((s) => /\/(health|metrics)\b/.test(s.name))).toEqual([]);
  });
});

describe('Sentry (SENTRY_DSN): errors are posted as envelopes', () => {
  const rx = receiver();
  let port = 0;
  beforeAll(async () => {
    port = await listen(rx.server);
  });
  afterAll(() => rx.server.close());

  it('parses a DSN into the envelope endpoint and auth header', () => {
    expect(parseDsn('https://abc123@o1.ingest.example.com/42')).toEqual({
      url: 'https://o1.ingest.example.com/api/42/envelope/',
      auth: 'Sentry sentry_version=7, sentry_key=abc123, sentry_client=agora/0.1.0',
    });
    expect(() => parseDsn('https://example.com/42')).toThrow(/SENTRY_DSN/);
  });

  it('captures an error with its stack and trace id', async () => {
    const reporter = startSentry(
      configFrom({ SENTRY_DSN: `http://key1@127.0.0.1:${port}/7`, AGORA_ENV: 'development' }),
    );
    reporter.capture(new TypeError('boom'), {
      message: 'unhandled error',
      trace_id: 'a'.repeat(32),
      span_id: 'b'.repeat(16),
    });
    await reporter.flush();
    expect(rx.envelopes).toHaveLength(1);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- envelope JSON is walked by path
    const [header, item, event] = rx.envelopes[0]!.body.split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(rx.envelopes[0]!.headers['x-sentry-auth']).toContain('sentry_key=key1');
    expect(header!.event_id).toBe(event!.event_id);
    expect(item).toEqual({ type: 'event' });
    expect(event).toMatchObject({
      level: 'error',
      environment: 'development',
      message: 'unhandled error',
      exception: { values: [{ type: 'TypeError', value: 'boom' }] },
      contexts: { trace: { trace_id: 'a'.repeat(32) } },
    });
    const frames = event!.exception.values[0].stacktrace.frames as { filename: string }[];
    expect(frames.at(-1)!.filename).toContain('tracing.test.ts'); // innermost frame last
  });
});
