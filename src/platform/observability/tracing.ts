import { register } from 'node:module';
import type { TraceAPI } from '@opentelemetry/api';
import type { LoggerOptions } from 'pino';
import { loadConfig, type Config } from '../../config.js';
import { startSentry, type ErrorReporter } from './sentry.js';

/**
 * OpenTelemetry tracing (OTLP/HTTP) and Sentry error reports, both off unless configured.
 * bin/agora.js runs startTelemetry() before the app is imported: instrumentations patch fastify, pg, ioredis
 * and amqplib as they load, so loading them first would leave them untraced. The SDK packages are imported
 * only when OTEL_EXPORTER_OTLP_ENDPOINT is set; the default path costs one config read.
 */

let stopTracing: (() => Promise<void>) | undefined;
/** The OpenTelemetry API, loaded with the SDK (44 modules a process without tracing does not need). */
let trace: TraceAPI | undefined;
let reporter: ErrorReporter | undefined;

export async function startTelemetry(config?: Config): Promise<void> {
  let cfg = config;
  try {
    cfg ??= loadConfig();
  } catch {
    return; // main reports the invalid configuration itself
  }
  if (cfg.SENTRY_DSN) reporter = startSentry(cfg);
  if (cfg.OTEL_EXPORTER_OTLP_ENDPOINT) stopTracing = await startTracing(cfg);
}

/** Flushes pending spans (called on shutdown; a no-op when tracing is off). */
export async function stopTelemetry(): Promise<void> {
  await Promise.allSettled([stopTracing?.(), reporter?.flush()]);
}

async function startTracing(config: Config): Promise<() => Promise<void>> {
  // ESM imports bypass require hooks: import-in-the-middle intercepts exactly the modules instrumentations hook.
  trace = (await import('@opentelemetry/api')).trace;
  const iitm = await import('import-in-the-middle');
  const channel = iitm.createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, channel.registerOptions);

  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
  const [{ HttpInstrumentation }, { PgInstrumentation }, { IORedisInstrumentation }, { AmqplibInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/instrumentation-ioredis'),
      import('@opentelemetry/instrumentation-amqplib'),
    ]);
  const { FastifyOtelInstrumentation } = await import('@fastify/otel');

  const exporter = new OTLPTraceExporter({
    url: `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
    headers: parseHeaders(config.OTEL_EXPORTER_OTLP_HEADERS),
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': config.OTEL_SERVICE_NAME,
      'deployment.environment.name': config.AGORA_ENV,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Probes and scrapes would drown real traffic.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => probe.test(req.url ?? ''),
      }),
      // One span per request named by route template; hook/handler spans would be named after function source.
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        instrumentHooks: false,
        instrumentHandler: false,
        ignorePaths: (o) => probe.test(o.url),
        requestHook: (span, req) => span.updateName(`${req.method} ${req.routeOptions.url ?? 'unmatched'}`),
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation(),
      new AmqplibInstrumentation(),
    ],
  });
  await channel.waitForAllMessagesAcknowledged();
  return () => provider.shutdown();
}

const probe = /^\/(health|ready|metrics)\b/;

function parseHeaders(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const i = pair.indexOf('=');
    if (i > 0) out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
  }
  return out;
}

/** Whether spans are being recorded (OTEL_EXPORTER_OTLP_ENDPOINT set and the SDK started). */
export function tracing(): boolean {
  return stopTracing !== undefined;
}

/** trace_id/span_id of the active span, added to every log line written inside a traced request or job. */
export function traceMixin(): Record<string, string> {
  const span = trace?.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

const ERROR = 50;

/**
 * Logger options spread into logOptions(): the trace mixin when tracing runs, and a hook that sends every
 * error-level entry carrying an `err` (5xx, failed tasks) to Sentry when SENTRY_DSN is set. Empty otherwise.
 */
export function telemetryLogOptions(): Pick<LoggerOptions, 'mixin' | 'hooks'> {
  const report = reporter;
  return {
    ...(tracing() ? { mixin: traceMixin } : {}),
    ...(report
      ? {
          hooks: {
            logMethod(args, method, level) {
              const first = args[0] as { err?: unknown } | undefined;
              if (level >= ERROR && first && typeof first === 'object' && first.err instanceof Error) {
                report.capture(first.err, {
                  message: typeof args[1] === 'string' ? args[1] : undefined,
                  ...traceMixin(),
                });
              }
              return method.apply(this, args);
            },
          },
        }
      : {}),
  };
}
