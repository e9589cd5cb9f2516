/**
 * Child process of bench/run.ts: serves one side of a scenario (the app, or its bare baseline) and prints
 * `READY <port> <request json>`. Kept apart from the load generator so they do not share an event loop.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { configFrom } from '../src/config.js';
import { openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { logDestination } from '../src/platform/observability/logger.js';
import type { BenchRequest, Scenario } from './scenario.js';

// An orderly exit on the runner's SIGTERM, so that --cpu-prof (BENCH_NODE_ARGS) writes its profile.
process.on('SIGTERM', () => process.exit(0));

const [name, side, requestJson] = process.argv.slice(2) as [string, 'agora' | 'baseline', string | undefined];
const { scenario } = (await import(`./scenarios/${name}.ts`)) as { scenario: Scenario };

const values = {
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0001',
  DATA_DIR: process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'agora-bench-')),
  DATABASE_URL: process.env.DATABASE_URL ?? '',
  REDIS_URL: process.env.REDIS_URL ?? '',
  DEMO_DATA: 'false',
  RATE_LIMIT_ENABLED: 'false',
  ...scenario.config,
};

if (side === 'agora') {
  // The access log is part of the stack under test: written in full, to /dev/null.
  const config = configFrom(values);
  const agora = await buildApp(config, { logSink: logDestination('/dev/null') });
  const request = await scenario.prepare(agora);
  await agora.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (agora.app.server.address() as { port: number }).port;
  process.stdout.write(`READY ${port} ${JSON.stringify(request)}\n`);
} else {
  // One process per embedded database: the baseline reads a copy of the data the app prepared.
  const pgDir = join(values.DATA_DIR, 'pg-baseline');
  if (!values.DATABASE_URL) cpSync(join(values.DATA_DIR, 'pg'), pgDir, { recursive: true });
  const database = await openDatabase({ url: values.DATABASE_URL || undefined, dataDir: pgDir });
  await migrate(database);
  const app = await scenario.baseline({ database, request: JSON.parse(requestJson ?? '{}') as BenchRequest });
  let port: number;
  if (app instanceof Server) {
    // A bare node:http baseline.
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    port = (app.address() as AddressInfo).port;
  } else {
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  }
  process.stdout.write(`READY ${port} {}\n`);
}
