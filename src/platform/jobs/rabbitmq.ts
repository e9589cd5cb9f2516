import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import { startConsumer, type Headers } from './rabbitmq-consumer.js';
import type { ConsumeOptions, OutboxRow, Transport } from './types.js';

export interface RabbitOptions {
  url: string;
  /** Work queue name; its dead-letter queue is `<queue>.dead`. */
  queue: string;
  db: Db;
  log: FastifyBaseLogger;
  graceSeconds: number;
  /** Opens a connection (default amqplib's connect; tests wrap it to cut connections). */
  connect?: (url: string) => Promise<ChannelModel>;
  /** First delay before a lost consumer subscribes again; doubled on every failure, up to 30 s. */
  reconnectMs?: number;
}

/**
 * RabbitMQ transport: one durable work queue with a dead-letter queue, persistent messages published
 * with confirms (the relay commits only after the broker confirmed), manual acks and a prefetch equal to
 * the worker's concurrency. A worker that dies leaves its message unacked and RabbitMQ redelivers it; the
 * redelivered copy counts that lost run as an attempt (see `handle`), so a job that kills its worker is
 * dead-lettered after maxAttempts. Delays (runAt, retry backoff) wait in the Postgres outbox, which the
 * relay publishes once due. A consumer whose channel or connection is lost subscribes again with backoff.
 */
export function rabbitTransport(o: RabbitOptions): Transport {
  const dead = `${o.queue}.dead`;
  const open = o.connect ?? (async (url: string) => (await import('amqplib')).connect(url));
  let conn: Promise<ChannelModel> | undefined;
  let pub: Promise<ConfirmChannel> | undefined;
  let closed = false;
  const consumers = new Set<() => Promise<void>>();

  const connection = (): Promise<ChannelModel> => {
    if (closed) return Promise.reject(new Error('amqp transport is closed'));
    if (!conn) {
      const p: Promise<ChannelModel> = (async () => {
        const c = await open(o.url);
        c.on('error', (err: Error) => o.log.warn({ err: err.message }, 'amqp connection error'));
        c.on('close', () => {
          if (conn !== p) return;
          conn = undefined;
          pub = undefined;
        });
        return c;
      })();
      conn = p;
      p.catch(() => {
        if (conn === p) conn = undefined;
      });
    }
    return conn;
  };

  const assertTopology = async (ch: Channel) => {
    await ch.assertQueue(dead, { durable: true });
    await ch.assertQueue(o.queue, {
      durable: true,
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dead },
    });
  };

  const publisher = (): Promise<ConfirmChannel> => {
    if (!pub) {
      const p: Promise<ConfirmChannel> = (async () => {
        const ch = await (await connection()).createConfirmChannel();
        ch.on('error', () => undefined);
        ch.on('close', () => {
          if (pub === p) pub = undefined;
        });
        await assertTopology(ch);
        return ch;
      })();
      pub = p;
      p.catch(() => {
        if (pub === p) pub = undefined;
      });
    }
    return pub;
  };

  const send = (ch: ConfirmChannel, jobId: string, content: Buffer, headers: Headers) =>
    ch.sendToQueue(o.queue, content, { persistent: true, messageId: jobId, contentType: 'application/json', headers });

  /** Puts a fresh copy of `msg` (with `attempts` spent) back on the queue, confirmed by the broker. */
  const republish = async (msg: ConsumeMessage, attempts: number) => {
    const ch = await publisher();
    const headers = { ...(msg.properties.headers as Headers), attempts };
    send(ch, String(msg.properties.messageId), msg.content, headers);
    await ch.waitForConfirms();
  };

  return {
    kind: 'rabbitmq',
    holdsDelayed: false,
    async deliver(_tx, rows: OutboxRow[]) {
      const ch = await publisher();
      for (const r of rows) {
        send(ch, r.jobId, Buffer.from(JSON.stringify(r.payload)), {
          name: r.name,
          attempts: r.attempts,
          maxAttempts: r.maxAttempts,
          idempotencyKey: r.idempotencyKey ?? r.jobId,
        });
      }
      await ch.waitForConfirms();
    },
    async consume(run, opts: ConsumeOptions) {
      const stop = await startConsumer(
        {
          queue: o.queue,
          db: o.db,
          log: o.log,
          graceSeconds: o.graceSeconds,
          reconnectMs: o.reconnectMs ?? 500,
          channel: async () => (await connection()).createChannel(),
          topology: assertTopology,
          republish,
          closed: () => closed,
        },
        run,
        opts,
      );
      const stopOnce = async () => {
        consumers.delete(stopOnce);
        await stop();
      };
      consumers.add(stopOnce);
      return stopOnce;
    },
    async depth() {
      const ch = await publisher();
      return (await ch.checkQueue(o.queue)).messageCount;
    },
    async dead() {
      const ch = await publisher();
      return (await ch.checkQueue(dead)).messageCount;
    },
    wake() {},
    async close() {
      for (const stop of [...consumers]) await stop();
      closed = true;
      const c = conn;
      conn = undefined;
      pub = undefined;
      await c?.then((model) => model.close()).catch(() => undefined);
    },
  };
}

/** Messages in the dead-letter queue (tests and the admin read it). */
export async function deadLetters(url: string, queue: string): Promise<number> {
  const amqp = await import('amqplib');
  const c = await amqp.connect(url);
  try {
    const ch = await c.createChannel();
    return (await ch.checkQueue(`${queue}.dead`)).messageCount;
  } finally {
    await c.close();
  }
}
