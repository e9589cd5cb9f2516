import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

/** How long an instance's presence claim lasts without a refresh. */
const PRESENCE_TTL_MS = 60_000;

/** What the hub needs of a websocket. */
export interface LiveSocket {
  send(data: string): void;
  readyState: number;
}

/** A frame for some users' sockets, wherever they are connected. */
interface Envelope {
  userIds: string[];
  frame: string;
}

export interface RealtimeHub {
  /** Sends `frame` to every open socket of `userIds`: on every instance through Redis, or on this one. */
  publish(userIds: string[], frame: string): Promise<void>;
  /** Registers a user's socket on this instance; returns the detach function. */
  attach(userId: string, socket: LiveSocket): () => void;
  /** Resolves once this instance receives frames published elsewhere (its Redis subscription is active). */
  listening(): Promise<void>;
  /** Which of `userIds` hold an open socket on any instance (Redis presence) or on this one. */
  online(userIds: string[]): Promise<Set<string>>;
  /** Open sockets of a user on this instance. */
  localSockets(userId: string): number;
  close(): Promise<void>;
}

/**
 * Websocket fan-out by user. Each instance keeps its own sockets; with Redis every instance subscribes to one
 * channel and delivers what it receives to its local sockets, so a frame published by a worker reaches the
 * user's sockets on every `agora serve`. Without Redis, publishing delivers in-process.
 */
export function createRealtimeHub(o: { redis?: Redis; channel: string; log: FastifyBaseLogger }): RealtimeHub {
  const sockets = new Map<string, Set<LiveSocket>>();
  let subscriber: Redis | undefined;
  let ready: Promise<unknown> = Promise.resolve();
  // Presence with Redis: per user a sorted set of the instances holding a socket, scored by when that claim
  // expires; an instance refreshes its claims while it holds sockets, so a crashed instance's run out.
  const instance = randomUUID();
  const presenceKey = (userId: string) => `${o.channel}:presence:${userId}`;
  const claim = (userIds: string[]) => {
    if (!o.redis || !userIds.length) return;
    const until = Date.now() + PRESENCE_TTL_MS;
    const multi = o.redis.multi();
    for (const u of userIds) multi.zadd(presenceKey(u), until, instance).pexpire(presenceKey(u), PRESENCE_TTL_MS);
    void multi.exec().catch((err: unknown) => o.log.warn({ err }, 'presence update failed'));
  };
  const refresh = o.redis ? setInterval(() => claim([...sockets.keys()]), PRESENCE_TTL_MS / 3) : undefined;
  refresh?.unref();

  const deliver = (env: Envelope) => {
    if (!sockets.size) return;
    for (const userId of env.userIds) {
      for (const s of sockets.get(userId) ?? []) {
        try {
          if (s.readyState === 1) s.send(env.frame);
        } catch (err) {
          o.log.warn({ err }, 'live delivery failed');
        }
      }
    }
  };

  const listen = () => {
    if (subscriber || !o.redis) return;
    // A subscribed connection can do nothing else, hence a duplicate of the shared one.
    subscriber = o.redis.duplicate();
    subscriber.on('error', (err: Error) => o.log.warn({ err: err.message }, 'realtime subscriber error'));
    subscriber.on('message', (_channel: string, raw: string) => {
      try {
        deliver(JSON.parse(raw) as Envelope);
      } catch (err) {
        o.log.warn({ err }, 'bad realtime frame');
      }
    });
    ready = subscriber.subscribe(o.channel).catch((err: unknown) => o.log.error({ err }, 'realtime subscribe failed'));
  };

  return {
    async publish(userIds, frame) {
      if (o.redis) await o.redis.publish(o.channel, JSON.stringify({ userIds, frame }));
      else deliver({ userIds, frame });
    },
    attach(userId, socket) {
      // Only an instance that holds sockets subscribes (a worker publishes without listening).
      listen();
      let set = sockets.get(userId);
      if (!set) {
        sockets.set(userId, (set = new Set()));
        claim([userId]);
      }
      set.add(socket);
      return () => {
        set.delete(socket);
        if (set.size || sockets.get(userId) !== set) return;
        sockets.delete(userId);
        void o.redis?.zrem(presenceKey(userId), instance).catch(() => undefined);
      };
    },
    listening: async () => {
      listen();
      await ready;
    },
    async online(userIds) {
      if (!o.redis) return new Set(userIds.filter((u) => sockets.has(u)));
      const multi = o.redis.multi();
      const now = Date.now();
      for (const u of userIds) multi.zcount(presenceKey(u), now, '+inf');
      const counts = (await multi.exec()) ?? [];
      return new Set(userIds.filter((_u, i) => Number(counts[i]?.[1] ?? 0) > 0));
    },
    localSockets: (userId) => sockets.get(userId)?.size ?? 0,
    async close() {
      clearInterval(refresh);
      if (o.redis && sockets.size)
        await o.redis
          .multi([...sockets.keys()].map((u) => ['zrem', presenceKey(u), instance]))
          .exec()
          .catch(() => undefined);
      sockets.clear();
      subscriber?.disconnect();
    },
  };
}
