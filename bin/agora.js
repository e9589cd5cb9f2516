#!/usr/bin/env node
// Runs Agora from compiled JavaScript: dist/ when present (the container image, built by tsc), else the
// sources compiled by esbuild into node_modules/.cache/agora/ and reused until they change (bin/build.js).
// AGORA_FROM_SOURCE=1 runs the TypeScript sources through tsx instead (what the tests' in-process apps do).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function codeRoot() {
  if (process.env.AGORA_FROM_SOURCE === '1') return undefined;
  if (existsSync(join(root, 'dist', 'src', 'main.js'))) return join(root, 'dist');
  try {
    const { compiledSources } = await import('./build.js');
    return await compiledSources({ log: (line) => process.stderr.write(`${line}\n`) });
  } catch (err) {
    process.stderr.write(`agora: running the TypeScript sources (${err.message})\n`);
    return undefined;
  }
}

const compiled = await codeRoot();
if (!compiled) {
  const { register } = await import('tsx/esm/api');
  register();
}
const load = (path) => import(pathToFileURL(compiled ? join(compiled, `${path}.js`) : join(root, `${path}.ts`)).href);
// Tracing starts before the app is imported: its instrumentations patch fastify, pg, ioredis and amqplib on load.
// It only loads the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT (or SENTRY_DSN) is configured.
const { startTelemetry } = await load('src/platform/observability/tracing');
await startTelemetry();
await load('src/main');
