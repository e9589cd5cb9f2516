import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../../config.js';

/**
 * A minimal Sentry client: unhandled errors become Sentry events posted to the DSN's envelope endpoint.
 * The official SDK pulls in a second OpenTelemetry stack and ~60 MB; errors with stack and trace id are
 * what Agora needs from Sentry, so this speaks the documented envelope protocol directly.
 */
export interface ErrorReporter {
  capture(err: Error, extra?: { message?: string; trace_id?: string; span_id?: string }): void;
  flush(): Promise<void>;
}

interface Dsn {
  url: string;
  auth: string;
}

export function parseDsn(dsn: string): Dsn {
  const u = new URL(dsn);
  const parts = u.pathname.split('/').filter(Boolean);
  const project = parts.pop();
  if (!u.username || !project) throw new Error('SENTRY_DSN must look like https://<key>@<host>/<project>');
  const prefix = parts.length ? `/${parts.join('/')}` : '';
  return {
    url: `${u.protocol}//${u.host}${prefix}/api/${project}/envelope/`,
    auth: `Sentry sentry_version=7, sentry_key=${u.username}, sentry_client=agora/0.1.0`,
  };
}

const MAX_IN_FLIGHT = 20;

export function startSentry(config: Config): ErrorReporter {
  const dsn = parseDsn(config.SENTRY_DSN);
  const environment = config.SENTRY_ENVIRONMENT || config.AGORA_ENV;
  const inFlight = new Set<Promise<void>>();
  return {
    capture(err, extra = {}) {
      // An error storm must not become a request storm: beyond the cap, events are dropped.
      if (inFlight.size >= MAX_IN_FLIGHT) return;
      const eventId = randomUUID().replaceAll('-', '');
      const event = {
        event_id: eventId,
        timestamp: Date.now() / 1000,
        platform: 'node',
        level: 'error',
        environment,
        server_name: hostname(),
        logger: 'agora',
        ...(extra.message ? { message: extra.message } : {}),
        exception: { values: [{ type: err.name, value: err.message, stacktrace: { frames: frames(err.stack) } }] },
        ...(extra.trace_id ? { contexts: { trace: { trace_id: extra.trace_id, span_id: extra.span_id } } } : {}),
      };
      const body = [
        JSON.stringify({ event_id: eventId, sent_at: new Date().toISOString(), dsn: config.SENTRY_DSN }),
        JSON.stringify({ type: 'event' }),
        JSON.stringify(event),
      ].join('\n');
      const p = fetch(dsn.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-sentry-envelope', 'x-sentry-auth': dsn.auth },
        body,
        signal: AbortSignal.timeout(5000),
      })
        .then((r) => void r.body?.cancel())
        .catch(() => undefined) // reporting must never take the app down
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    async flush() {
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** V8 stack lines → Sentry frames, oldest call first as Sentry expects. */
function frames(stack = '') {
  const out: { function?: string; filename: string; lineno?: number; colno?: number; in_app: boolean }[] = [];
  for (const line of stack.split('\n').slice(1)) {
    const m = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    const filename = m[2]!;
    out.push({
      ...(m[1] ? { function: m[1] } : {}),
      filename,
      lineno: Number(m[3]),
      colno: Number(m[4]),
      in_app: !filename.includes('node_modules') && !filename.startsWith('node:'),
    });
  }
  return out.reverse();
}
