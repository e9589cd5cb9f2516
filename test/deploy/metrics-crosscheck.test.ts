import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { dashboardExprs, exposedNames, metricNames, ruleExprs } from './promql.js';

/**
 * Metrics the dashboards/alerts use that the app does not expose yet. Keep this short and honest:
 * each entry names who is adding it; remove it when it lands (the test fails on a stale entry).
 */
const PENDING = new Set([
  'cache_hits_total', // cache hit/miss counters: being added to src/platform/cache (cache dashboard)
  'cache_misses_total',
]);

describe('dashboards and alert rules reference metrics that /metrics exposes', () => {
  let agora: Agora;
  let exposed: Set<string>;
  beforeAll(async () => {
    agora = await testApp();
    await agora.app.inject({ method: 'GET', url: '/health' }); // creates the http_* series
    exposed = exposedNames((await agora.app.inject({ method: 'GET', url: '/metrics' })).body);
  });
  afterAll(() => agora?.app.close());

  it('parses metric names out of PromQL', () => {
    expect(
      metricNames('sum by (le, route) (rate(http_request_duration_seconds_bucket{route=~"/a(/.*)?"}[5m])) > 0.5'),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(metricNames('agora:http_errors:ratio5m > 0.05 and up{job="agora"} == 0')).toEqual(['up']);
    expect(metricNames('sum(rate(a_total[5m])) / clamp_min(sum(rate(b_total[5m])), 1e-9)')).toEqual([
      'a_total',
      'b_total',
    ]);
  });

  it('every dashboard query uses exposed (or explicitly pending) metrics', () => {
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThan(20);
    const missing = exprs.flatMap(({ file, expr }) =>
      metricNames(expr)
        .filter((n) => !exposed.has(n) && !PENDING.has(n))
        .map((n) => `${file}: ${n}`),
    );
    expect(missing).toEqual([]);
  });

  it('every alert rule uses exposed (or pending) metrics; `up` comes from Prometheus itself', () => {
    const missing = ruleExprs().flatMap(({ expr }) =>
      metricNames(expr).filter((n) => n !== 'up' && !exposed.has(n) && !PENDING.has(n)),
    );
    expect(missing).toEqual([]);
  });

  it('the pending list has no stale entries', () => {
    expect([...PENDING].filter((n) => exposed.has(n))).toEqual([]);
  });

  it('dashboards cover HTTP, jobs, database pool, cache and business counters', () => {
    const used = new Set(dashboardExprs().flatMap(({ expr }) => metricNames(expr)));
    for (const n of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'jobs_queue_depth',
      'jobs_failed_total',
      'db_pool_waiting_requests',
      'cache_hits_total',
      'wishlist_wishes_created_total',
      'microblog_tweets_total',
    ])
      expect(used, n).toContain(n);
  });
});
