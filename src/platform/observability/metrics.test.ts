import { Counter, Histogram, Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpMetrics } from './metrics.js';

describe('HTTP request metrics', () => {
  it('expose exactly what prom-client’s counter and histogram expose for the same requests', async () => {
    const ours = new Registry<RegistryContentType>();
    const http = new HttpMetrics(ours);
    const theirs = new Registry<RegistryContentType>();
    const labelNames = ['method', 'route', 'status'] as const;
    const count = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames,
      registers: [theirs],
    });
    const time = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status',
      labelNames,
      buckets: HttpMetrics.buckets,
      registers: [theirs],
    });
    const requests: [string, string, number, number][] = [
      ['GET', '/health', 200, 0.0004],
      ['GET', '/health', 200, 0.005], // on a bucket bound: counted in that bucket
      ['GET', '/health', 200, 0.0051],
      ['GET', '/a/:id', 404, 0.3],
      ['POST', '/a/:id', 201, 12], // above every bound: +Inf only
      ['GET', '/a/"quoted"\\', 200, 0.02],
      ['GET', 'unmatched', 404, 0.001],
    ];
    for (const [method, route, status, seconds] of requests) {
      http.record(method, route, status, seconds);
      const labels = { method, route, status: String(status) };
      count.inc(labels);
      time.observe(labels, seconds);
    }
    const sorted = (text: string) => text.split('\n').sort();
    expect(sorted(await ours.metrics())).toEqual(sorted(await theirs.metrics()));
    expect(await ours.metrics()).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/health",status="200"} 2',
    );
    expect(await ours.getMetricsAsJSON()).toHaveLength(2);
    // OpenMetrics exposition (the registry renames counters in place) matches prom-client's too.
    ours.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    theirs.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(sorted(await ours.metrics())).toEqual(sorted(await theirs.metrics()));
    ours.resetMetrics();
    expect(await ours.metrics()).not.toContain('route=');
  });
});
