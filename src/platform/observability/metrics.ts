import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database.js';

/** One Prometheus registry per app instance (tests build many apps in one process). */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  counter<L extends string>(name: string, help: string, labelNames?: L[]): Counter<L>;
  histogram<L extends string>(name: string, help: string, labelNames?: L[], buckets?: number[]): Histogram<L>;
  gauge<L extends string>(name: string, help: string, labelNames?: L[], collect?: (g: Gauge<L>) => void): Gauge<L>;
}

export function createMetrics(database: Database): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(name: string, help: string, labelNames: L[] = [], buckets?: number[]) =>
    new Histogram<L>({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = [], collect?: (g: Gauge<L>) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      ...(collect
        ? {
            collect(this: Gauge<L>) {
              collect(this);
            },
          }
        : {}),
    });

  const pool = (field: 'total' | 'idle' | 'waiting' | 'max') => (g: Gauge) => g.set(database.poolStats()[field]);
  gauge('db_pool_connections_total', 'Open database connections in the pool', [], pool('total'));
  gauge('db_pool_connections_idle', 'Idle database connections in the pool', [], pool('idle'));
  gauge('db_pool_waiting_requests', 'Queries waiting for a free connection', [], pool('waiting'));
  gauge('db_pool_connections_max', 'Configured pool size', [], pool('max'));
  let seen = 0;
  new Counter({
    name: 'db_queries_total',
    help: 'SQL statements issued through the ORM',
    registers: [registry],
    collect(this: Counter) {
      const n = database.queryCount();
      this.inc(n - seen);
      seen = n;
    },
  });

  return {
    registry,
    httpRequests: counter('http_requests_total', 'HTTP requests by method, route template and status', [
      'method',
      'route',
      'status',
    ]),
    httpDuration: histogram(
      'http_request_duration_seconds',
      'HTTP request duration by method, route template and status',
      ['method', 'route', 'status'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    counter,
    histogram,
    gauge,
  };
}
