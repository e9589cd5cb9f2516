#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx agora` works right after `npm install`.
// A compiled build (dist/) is used instead when present, as in the container image.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'main.js');
const fromDist = existsSync(compiled) && process.env.AGORA_FROM_SOURCE !== '1';
if (!fromDist) {
  const { register } = await import('tsx/esm/api');
  register();
}
const load = (path) =>
  import(pathToFileURL(join(root, fromDist ? 'dist' : '', `${path}${fromDist ? '.js' : '.ts'}`)).href);
// Tracing starts before the app is imported: its instrumentations patch fastify, pg, ioredis and amqplib on load.
// It only loads the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT (or SENTRY_DSN) is configured.
const { startTelemetry } = await load('src/platform/observability/tracing');
await startTelemetry();
await load('src/main');
