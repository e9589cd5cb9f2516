import type { Channel, ConsumeMessage } from 'amqplib';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import { writeOutbox } from './outbox.js';
import type { ConsumeOptions, Delivery, Outcome } from './types.js';

export interface Headers {
  name: string;
  /** Attempts spent before this copy of the message was published. */
  attempts: number;
  maxAttempts: number;
  idempotencyKey: string;
}

/** One message a consumer holds; `settled` once it was acknowledged, rejected or handed back. */
interface Held {
  ch: Channel;
  msg: ConsumeMessage;
  spent: number;
  settled: boolean;
  done?: Promise<void>;
}

export interface ConsumerDeps {
  queue: string;
  db: Db;
  log: FastifyBaseLogger;
  graceSeconds: number;
  /** First delay before a lost consumer subscribes again; doubled on every failure, up to 30 s. */
  reconnectMs: number;
  /** A new channel on the shared connection (opened if need be). */
  channel(): Promise<Channel>;
  /** Declares the queues on `ch`. */
  topology(ch: Channel): Promise<void>;
  /** Puts a fresh copy of `msg` with `attempts` spent back on the queue, confirmed by the broker. */
  republish(msg: ConsumeMessage, attempts: number): Promise<void>;
  /** Whether the transport was closed (a lost consumer then stays down). */
  closed(): boolean;
}

/** Waits for `p` at most `seconds` (a broker that stopped answering must not hold a shutdown). */
const within = (seconds: number, p: Promise<unknown>) =>
  Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, seconds * 1000).unref())]);

/**
 * A RabbitMQ consumer: manual acks, prefetch = concurrency, retries through the outbox. A redelivered
 * message counts the lost run as an attempt (see `handle`). When its channel or connection is lost (or the
 * broker cancels it), it subscribes again with backoff. The first subscription must succeed: its failure
 * is thrown to the caller. Returns the function that stops it gracefully.
 */
export async function startConsumer(
  dep: ConsumerDeps,
  run: (delivery: Delivery) => Promise<Outcome>,
  opts: ConsumeOptions,
): Promise<() => Promise<void>> {
  const withinGrace = (p: Promise<unknown>) => within(dep.graceSeconds, p);
  const held = new Set<Held>();
  let stopping = false;
  let current: { ch: Channel; tag: string } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = dep.reconnectMs;

  const settle = (m: Held, how: (ch: Channel) => void) => {
    if (m.settled) return;
    m.settled = true;
    try {
      how(m.ch);
    } catch {
      /* channel gone: the broker requeues the message itself */
    }
  };

  const outcome = async (m: Held, d: Delivery, out: Outcome) => {
    if (m.settled) return; // handed back at shutdown: the copy on the queue runs instead
    if (out.kind === 'done') return settle(m, (ch) => ch.ack(m.msg));
    if (out.kind === 'dead') return settle(m, (ch) => ch.nack(m.msg, false, false));
    // The retry (or deferral) waits in the outbox (durable, due at `at`), then this copy is acknowledged.
    await writeOutbox(dep.db, [
      {
        kind: 'retry',
        name: d.name,
        payload: d.payload,
        runAt: out.at,
        maxAttempts: d.maxAttempts,
        attempts: out.kind === 'defer' ? d.attempt - 1 : d.attempt,
        idempotencyKey: d.idempotencyKey,
        jobId: d.id,
      },
    ]);
    settle(m, (ch) => ch.ack(m.msg));
  };

  const handle = async (m: Held) => {
    const { msg } = m;
    const h = (msg.properties.headers ?? {}) as Partial<Headers>;
    let payload: unknown;
    try {
      payload = JSON.parse(msg.content.toString('utf8'));
    } catch {
      dep.log.error({ jobId: msg.properties.messageId }, 'amqp message is not JSON; dead-lettered');
      return settle(m, (ch) => ch.nack(msg, false, false));
    }
    const d: Delivery = {
      id: String(msg.properties.messageId),
      name: String(h.name),
      payload,
      attempt: m.spent + 1,
      maxAttempts: Number(h.maxAttempts ?? 1),
      idempotencyKey: String(h.idempotencyKey ?? msg.properties.messageId),
    };
    if (msg.fields.redelivered && d.attempt <= d.maxAttempts) {
      // The delivery before this one was never answered: its worker died (or lost the broker) during the
      // run, which counts as an attempt. A copy carrying the new count replaces this message, so that a
      // job that kills its worker every time is still dead-lettered after maxAttempts.
      await dep.republish(msg, m.spent);
      return settle(m, (ch) => ch.ack(msg));
    }
    await outcome(m, d, await run(d));
  };

  const onMessage = (ch: Channel, msg: ConsumeMessage) => {
    const attempts = Number((msg.properties.headers as Partial<Headers> | undefined)?.attempts ?? 0);
    const m: Held = { ch, msg, spent: attempts + (msg.fields.redelivered ? 1 : 0), settled: false };
    m.done = handle(m)
      .catch((err: unknown) => {
        dep.log.error({ err }, 'amqp job handling failed; message requeued');
        settle(m, (c) => c.nack(msg, false, true));
      })
      .finally(() => held.delete(m));
    held.add(m);
  };

  const subscribe = async () => {
    const ch = await dep.channel();
    let lost = false;
    ch.on('error', (err: Error) => dep.log.warn({ err: err.message }, 'amqp consumer channel error'));
    ch.on('close', () => {
      lost = true;
      if (current?.ch !== ch) return;
      current = undefined;
      resubscribeLater();
    });
    try {
      await dep.topology(ch);
      await ch.prefetch(opts.concurrency);
      const { consumerTag } = await ch.consume(
        dep.queue,
        (msg) => {
          if (msg) return onMessage(ch, msg);
          // The broker cancelled the consumer (queue deleted or moved): subscribe again.
          if (current?.ch !== ch) return;
          current = undefined;
          void ch.close().catch(() => undefined);
          resubscribeLater();
        },
        { noAck: false },
      );
      if (lost) throw new Error('amqp channel closed while subscribing');
      current = { ch, tag: consumerTag };
      if (stopping) await ch.close().catch(() => undefined);
    } catch (err) {
      await ch.close().catch(() => undefined);
      throw err;
    }
  };

  function resubscribeLater() {
    if (stopping || dep.closed() || timer) return;
    const wait = delay;
    delay = Math.min(delay * 2, 30_000);
    dep.log.warn({ retryInMs: wait }, 'amqp consumer lost; subscribing again');
    timer = setTimeout(() => {
      timer = undefined;
      subscribe().then(
        () => {
          delay = dep.reconnectMs;
          dep.log.info('amqp consumer subscribed again');
        },
        (err: unknown) => {
          dep.log.warn({ err: (err as Error).message }, 'amqp consumer could not subscribe');
          resubscribeLater();
        },
      );
    }, wait);
  }

  await subscribe();

  const stop = async () => {
    stopping = true;
    clearTimeout(timer);
    timer = undefined;
    const sub = current;
    if (sub) await withinGrace(sub.ch.cancel(sub.tag));
    await withinGrace(Promise.allSettled([...held].map((m) => m.done)));
    // Runs that outlive the grace period are handed back at once without spending an attempt: a copy goes
    // back on the queue and this delivery is acknowledged (left unacked, it would come back "redelivered",
    // which counts as a lost run). If that fails, closing the channel requeues it anyway.
    for (const m of held) {
      if (m.settled || m.ch !== sub?.ch) continue; // on a lost channel the broker requeued it already
      await withinGrace(
        dep
          .republish(m.msg, m.spent)
          .then(() => settle(m, (ch) => ch.ack(m.msg)))
          .catch((err: unknown) => dep.log.warn({ err: (err as Error).message }, 'amqp hand-back failed')),
      );
    }
    current = undefined;
    if (sub) await withinGrace(sub.ch.close());
  };
  return stop;
}
