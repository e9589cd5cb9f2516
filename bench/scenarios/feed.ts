import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { configFrom } from '../../src/config.js';
import { logDestination } from '../../src/platform/observability/logger.js';
import { BIG, buildFeedFixture, SMALL } from '../fixtures/microblog-feed.js';
import type { Scenario } from '../scenario.js';

const PATH = '/microblog/api/tweets?offset=1&limit=20';

/** A sibling database on the same PostgreSQL server for the small data set. */
async function smallDatabaseUrl(base: string): Promise<string> {
  const url = new URL(base);
  const name = `${url.pathname.slice(1) || 'postgres'}_feed_small`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (!found.rowCount) await admin.query(`create database "${name}"`);
  await admin.end();
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The feed must not get slower as data grows: "agora" is the feed on 10k users / 100k tweets / 1M likes,
 * and the "baseline" is the same full app and request on a small database (1k users / 1k tweets / 10k likes)
 * on the same server, so the printed ratio is big-data req/s over small-data req/s.
 */
export const scenario: Scenario = {
  name: 'feed',
  description: `GET ${PATH} (following 200) on 10k users/100k tweets/1M likes vs the same on 1k tweets`,
  connections: 32,
  prepare: async (agora) => {
    if (agora.ctx.database.kind !== 'postgres') throw new Error('the feed bench needs DATABASE_URL (PostgreSQL)');
    const key = `bench-feed-${randomBytes(9).toString('hex')}`;
    await buildFeedFixture(agora, BIG, key);
    return { path: PATH, headers: { 'api-key': key } };
  },
  baseline: async ({ request }) => {
    const base = process.env.DATABASE_URL;
    if (!base) throw new Error('the feed bench needs DATABASE_URL (PostgreSQL)');
    const config = configFrom({
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0001',
      DATA_DIR: process.env.BENCH_DATA_DIR ?? '/tmp',
      DATABASE_URL: await smallDatabaseUrl(base),
      REDIS_URL: process.env.REDIS_URL ?? '',
      DEMO_DATA: 'false',
      RATE_LIMIT_ENABLED: 'false',
    });
    const small = await buildApp(config, { logSink: logDestination('/dev/null') });
    await buildFeedFixture(small, SMALL, request.headers!['api-key']!);
    return small.app;
  },
};
