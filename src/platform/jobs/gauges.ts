import { Gauge } from 'prom-client';
import { outboxDepth } from './outbox.js';
import type { JobsOptions } from './jobs.js';

/**
 * Queue depth and dead jobs, read when Prometheus scrapes (so every process exports them, `agora serve`
 * included); both gauges of one scrape share one read. A failed read keeps the last values and is logged.
 */
export function scrapeGauges(o: Pick<JobsOptions, 'db' | 'transport' | 'log' | 'metrics'>) {
  type Sample = { depth: number; dead: number } | undefined;
  const read = async (): Promise<Sample> => {
    try {
      return { depth: (await outboxDepth(o.db)) + (await o.transport.depth()), dead: await o.transport.dead() };
    } catch (err) {
      o.log.warn({ err: (err as Error).message }, 'job queue depth query failed');
      return undefined;
    }
  };
  let inFlight: Promise<Sample> | undefined;
  const sample = () => (inFlight ??= read().finally(() => (inFlight = undefined)));
  const gauge = (name: string, help: string, field: 'depth' | 'dead') =>
    new Gauge({
      name,
      help,
      registers: [o.metrics.registry],
      async collect() {
        const s = await sample();
        if (s) this.set(s[field]);
      },
    });
  gauge('jobs_queue_depth', 'Jobs waiting in the outbox and the transport', 'depth');
  gauge('jobs_dead', 'Jobs given up (dead state or dead-letter queue)', 'dead');
}
