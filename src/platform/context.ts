import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { Config } from '../config.js';
import { connectRedis, memoryCache, redisCache, type Cache } from './cache/cache.js';
import { failSafe } from './cache/failsafe.js';
import { systemClock, type Clock } from './clock.js';
import { databaseOptions, openDatabase, type Database } from './db/database.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import {
  accessLogTo,
  accessLogVia,
  logDestination,
  logOptions,
  type AccessLog,
  type LogSink,
} from './observability/logger.js';
import { memoryRateLimiter, redisRateLimiter, type RateLimiter } from './ratelimit/rate-limiter.js';
import { jobsFromConfig, type Jobs } from './jobs/index.js';

/** The infrastructure every module receives. Built once per app; closed by the app's onClose. */
export interface PlatformContext {
  config: Config;
  database: Database;
  cache: Cache;
  limiter: RateLimiter;
  metrics: Metrics;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Writes the per-request access lines (same destination as `log`). */
  accessLog: AccessLog;
  redis?: Redis;
  /** Durable jobs and events (outbox + embedded queue or RabbitMQ); workers run from startWorkers(). */
  jobs: Jobs;
  /** Named readiness checks (database, redis, amqp): each resolves when its dependency answers. */
  readiness: Record<string, () => Promise<void>>;
  close(): Promise<void>;
}

export interface PlatformOverrides {
  database?: Database;
  clock?: Clock;
  log?: FastifyBaseLogger;
  /**
   * Shared cache and limiter stores used in place of Redis's, behind the same fail-safe wrapper (tests make
   * them fail to check what happens when Redis does).
   */
  stores?: { cache: Cache; limiter: RateLimiter };
  /** Where both logs write when `log` is not given (default: stdout); benches point it at /dev/null. */
  logSink?: LogSink;
  /** Leave the database open on close (tests share one database across apps). */
  keepDatabase?: boolean;
  /** Apply migrations before serving (default: config.MIGRATE). */
  migrate?: boolean;
}

export async function createPlatform(config: Config, overrides: PlatformOverrides = {}): Promise<PlatformContext> {
  // stdout through one asynchronous buffer (flushed on exit) shared by the application and access logs.
  const destination = overrides.log ? undefined : (overrides.logSink ?? logDestination());
  const log = overrides.log ?? (pino(logOptions(config), destination!) as FastifyBaseLogger);
  const accessLog = overrides.log ? accessLogVia(overrides.log) : accessLogTo(destination!, config);
  const database = overrides.database ?? (await openDatabase(databaseOptions(config, overrides.migrate)));
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, config.REDIS_PREFIX) : undefined;
  redis?.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  const readiness: PlatformContext['readiness'] = { database: () => database.ping() };
  if (redis) readiness.redis = async () => void (await redis.ping());
  if (config.AMQP_URL) readiness.rabbitmq = amqpProbe(config.AMQP_URL);
  const metrics = createMetrics(database);
  // Redis accelerates (sessions, pages, throttles); when it fails, requests go on against the database.
  const clock = overrides.clock ?? systemClock;
  // Rate windows follow the platform clock, so tests can hold time still instead of racing it.
  const now = () => clock.now().getTime();
  const shared =
    overrides.stores ?? (redis ? { cache: redisCache(redis), limiter: redisRateLimiter(redis, now) } : undefined);
  const safe = shared
    ? failSafe({ ...shared, log, metrics, now })
    : { cache: memoryCache(), limiter: memoryRateLimiter(now) };
  const jobs = jobsFromConfig(config, { database, clock, log, metrics });
  return {
    config,
    database,
    cache: safe.cache,
    limiter: safe.limiter,
    metrics,
    clock,
    log,
    accessLog,
    redis,
    jobs,
    readiness,
    close: async () => {
      await jobs.close();
      redis?.disconnect();
      if (!overrides.database && !overrides.keepDatabase) await database.close();
      if (!overrides.logSink) destination?.close();
    },
  };
}

/** Checks that RabbitMQ accepts a connection; the answer is reused for a few seconds. */
function amqpProbe(url: string): () => Promise<void> {
  let last: { at: number; error?: Error } | undefined;
  return async () => {
    if (!last || Date.now() - last.at > 5000) {
      const amqp = await import('amqplib');
      try {
        const conn = await amqp.connect(url, { timeout: 2000 });
        await conn.close();
        last = { at: Date.now() };
      } catch (err) {
        last = { at: Date.now(), error: err as Error };
      }
    }
    if (last.error) throw last.error;
  };
}
