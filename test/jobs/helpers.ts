import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { testApp, type ConfigValues } from '../helpers/app.js';

declare module '../../src/platform/jobs/types.js' {
  interface EventMap {
    'test.thing.happened': { tag: string };
  }
}

/** Starts test/jobs/worker-child.ts (`env` sets CHILD_MODE and the like); `waitFor` resolves once it printed `line`. */
export function spawnWorker(
  config: Record<string, string>,
  env: Record<string, string> = {},
): {
  child: ChildProcess;
  output(): string;
  waitFor(line: string, timeoutMs?: number): Promise<void>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'worker-child.ts')], {
    env: { ...process.env, ...env, CHILD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  });
  return {
    child,
    output: () => out,
    waitFor: (line, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child never printed ${line}; got: ${out}`)), timeoutMs);
        const check = () => {
          if (out.includes(line)) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns true (or fails after `timeoutMs`). */
export async function eventually(fn: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition') {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The value of an unlabelled metric (or of the series whose labels are given, in their exposition order). */
export async function metricValue(
  registry: { metrics(): Promise<string> },
  name: string,
  labels = '',
): Promise<number> {
  const text = await registry.metrics();
  const escaped = `${name}${labels ? `{${labels}}` : ''}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export interface Run {
  name: string;
  tag: string;
  at: number;
  attempt: number;
}

/** Transports to run the job tests on: embedded always, RabbitMQ (a queue of this run's own) when configured. */
export const amqpUrl = process.env.TEST_AMQP_URL;
export function transports(): [string, () => ConfigValues][] {
  const list: [string, () => ConfigValues][] = [['embedded', () => ({})]];
  if (amqpUrl) list.push(['rabbitmq', () => ({ AMQP_URL: amqpUrl, JOBS_QUEUE: `agora.test.${randomUUID()}` })]);
  return list;
}

export const FAST: ConfigValues = {
  JOBS_POLL_INTERVAL: '50ms',
  JOBS_RETRY_BASE: '300ms',
  JOBS_LEASE: '1s',
  SHUTDOWN_TIMEOUT: '1s',
};

export async function dropQueues(queue: string) {
  const lib = await import('amqplib');
  const c = await lib.connect(amqpUrl!);
  const ch = await c.createChannel();
  await ch.deleteQueue(queue).catch(() => undefined);
  await ch.deleteQueue(`${queue}.dead`).catch(() => undefined);
  await c.close();
}

/**
 * An app whose job system records every run of the test handlers (`test.record`, `test.fail` with 3
 * attempts, `test.hang`, and two subscribers of `test.thing.happened`), with its workers started.
 */
export async function jobsHarness(extra: ConfigValues) {
  const values = { ...FAST, ...extra };
  const agora = await testApp(values);
  const runs: Run[] = [];
  const record = async (p: { tag: string }, job: { name: string; attempt: number }) => {
    runs.push({ name: job.name, tag: p.tag, at: Date.now(), attempt: job.attempt });
  };
  const { jobs } = agora.ctx;
  jobs.register('test.record', record);
  jobs.register(
    'test.fail',
    async (p: { tag: string }, job) => {
      await record(p, job);
      throw new Error('boom');
    },
    { maxAttempts: 3 },
  );
  jobs.register('test.hang', record);
  for (const sub of ['first', 'second']) jobs.subscribe('test.thing.happened', sub, record);
  const h = {
    agora,
    values,
    runs,
    ran: (tag: string) => runs.filter((r) => r.tag === tag),
    stop: agora.startWorkers(),
    restart() {
      h.stop = agora.startWorkers();
    },
    metric: (name: string, labels = '') => metricValue(agora.ctx.metrics.registry, name, labels),
    async close() {
      await h.stop();
      await agora.app.close();
      if (values.AMQP_URL) await dropQueues(values.JOBS_QUEUE!);
    },
  };
  return h;
}
