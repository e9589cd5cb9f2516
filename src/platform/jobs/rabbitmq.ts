import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import { writeOutbox } from './outbox.js';
import type { ConsumeOptions, Delivery, OutboxRow, Transport } from './types.js';

export interface RabbitOptions {
  url: string;
  /** Work queue name; its dead-letter queue is `<queue>.dead`. */
  queue: string;
  db: Db;
  log: FastifyBaseLogger;
  graceSeconds: number;
}

interface Headers {
  name: string;
  attempts: number;
  maxAttempts: number;
  idempotencyKey: string;
}

/**
 * RabbitMQ transport: one durable work queue with a dead-letter queue, persistent messages published
 * with confirms (the relay commits only after the broker confirmed), manual acks and a prefetch equal to
 * the worker's concurrency. A worker that dies leaves its message unacked and RabbitMQ redelivers it.
 * Delays (runAt, retry backoff) wait in the Postgres outbox, which the relay publishes once due.
 */
export function rabbitTransport(o: RabbitOptions): Transport {
  const dead = `${o.queue}.dead`;
  let conn: Promise<ChannelModel> | undefined;
  let pub: Promise<ConfirmChannel> | undefined;

  const connection = () =>
    (conn ??= (async () => {
      const amqp = await import('amqplib');
      const c = await amqp.connect(o.url);
      c.on('error', (err: Error) => o.log.warn({ err: err.message }, 'amqp connection error'));
      c.on('close', () => {
        conn = undefined;
        pub = undefined;
      });
      return c;
    })().catch((err: unknown) => {
      conn = undefined;
      throw err;
    }));

  const assertTopology = async (ch: Channel) => {
    await ch.assertQueue(dead, { durable: true });
    await ch.assertQueue(o.queue, {
      durable: true,
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dead },
    });
  };

  const publisher = () =>
    (pub ??= (async () => {
      const ch = await (await connection()).createConfirmChannel();
      ch.on('error', () => undefined);
      ch.on('close', () => (pub = undefined));
      await assertTopology(ch);
      return ch;
    })().catch((err: unknown) => {
      pub = undefined;
      throw err;
    }));

  return {
    kind: 'rabbitmq',
    holdsDelayed: false,
    async deliver(_tx, rows: OutboxRow[]) {
      const ch = await publisher();
      for (const r of rows) {
        const headers: Headers = {
          name: r.name,
          attempts: r.attempts,
          maxAttempts: r.maxAttempts,
          idempotencyKey: r.idempotencyKey ?? r.jobId,
        };
        ch.sendToQueue(o.queue, Buffer.from(JSON.stringify(r.payload)), {
          persistent: true,
          messageId: r.jobId,
          contentType: 'application/json',
          headers,
        });
      }
      await ch.waitForConfirms();
    },
    async consume(run, opts: ConsumeOptions) {
      const ch = await (await connection()).createChannel();
      ch.on('error', () => undefined);
      await assertTopology(ch);
      await ch.prefetch(opts.concurrency);
      const inflight = new Set<Promise<void>>();
      let stopping = false;

      const handle = async (msg: ConsumeMessage) => {
        const h = (msg.properties.headers ?? {}) as Partial<Headers>;
        const d: Delivery = {
          id: String(msg.properties.messageId),
          name: String(h.name),
          payload: JSON.parse(msg.content.toString('utf8')),
          attempt: Number(h.attempts ?? 0) + 1,
          maxAttempts: Number(h.maxAttempts ?? 1),
          idempotencyKey: String(h.idempotencyKey ?? msg.properties.messageId),
        };
        const out = await run(d);
        if (stopping && out.kind !== 'done') return; // unacked: redelivered to another worker
        if (out.kind === 'done') ch.ack(msg);
        else if (out.kind === 'dead') ch.nack(msg, false, false);
        else {
          // The retry (or deferral) waits in the outbox (durable, due at `at`), then this copy is acknowledged.
          await writeOutbox(o.db, [
            {
              kind: 'job',
              name: d.name,
              payload: d.payload,
              runAt: out.at,
              maxAttempts: d.maxAttempts,
              attempts: out.kind === 'defer' ? d.attempt - 1 : d.attempt,
              idempotencyKey: d.idempotencyKey,
              jobId: d.id,
            },
          ]);
          ch.ack(msg);
        }
      };

      const { consumerTag } = await ch.consume(
        o.queue,
        (msg) => {
          if (!msg) return;
          const p = handle(msg)
            .catch((err: unknown) => {
              o.log.error({ err }, 'amqp job handling failed; message requeued');
              try {
                ch.nack(msg, false, true);
              } catch {
                /* channel gone: the broker requeues it anyway */
              }
            })
            .finally(() => inflight.delete(p));
          inflight.add(p);
        },
        { noAck: false },
      );

      return async () => {
        stopping = true;
        await ch.cancel(consumerTag).catch(() => undefined);
        await Promise.race([
          Promise.allSettled([...inflight]),
          new Promise((r) => setTimeout(r, o.graceSeconds * 1000).unref()),
        ]);
        // Closing the channel hands any unacknowledged message back to the queue.
        await ch.close().catch(() => undefined);
      };
    },
    async depth() {
      const ch = await publisher();
      return (await ch.checkQueue(o.queue)).messageCount;
    },
    wake() {},
    async close() {
      const c = conn;
      conn = undefined;
      pub = undefined;
      if (c) await (await c).close().catch(() => undefined);
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
