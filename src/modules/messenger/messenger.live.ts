import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

export interface LiveMessage {
  chatId: string;
  messageId: string;
  /** The author's chat-membership id (what `user_id` means everywhere in this API), never their account id. */
  memberId: string;
  userName: string;
  text: string;
  /** Accounts of the chat when the message was stored: who may receive it. */
  memberIds: string[];
}

interface Socket {
  send(data: string): void;
  readyState: number;
}

export interface LiveHub {
  /** Announces a committed message to every instance (Redis pub/sub) or to this one. */
  announce(msg: LiveMessage): void;
  attach(userId: string, socket: Socket): () => void;
  close(): Promise<void>;
}

/**
 * Live delivery of new messages over websockets. Each instance keeps its own sockets by account; with Redis
 * every instance receives every announcement and delivers it to the local sockets of the chat's members,
 * whose list travels with the announcement (no instance queries the database to deliver).
 */
export function createLiveHub(o: { redis?: Redis; channel: string; log: FastifyBaseLogger }): LiveHub {
  const sockets = new Map<string, Set<Socket>>();
  let subscriber: Redis | undefined;

  const deliver = (msg: LiveMessage) => {
    if (!sockets.size) return; // no one listens here
    const frame = JSON.stringify({
      chat_id: msg.chatId,
      message_id: msg.messageId,
      user_id: msg.memberId,
      user_name: msg.userName,
      text: msg.text,
    });
    for (const userId of msg.memberIds ?? []) {
      for (const s of sockets.get(userId) ?? []) if (s.readyState === 1) s.send(frame);
    }
  };
  const deliverSafely = (msg: LiveMessage) => {
    try {
      deliver(msg);
    } catch (err) {
      o.log.warn({ err }, 'live delivery failed');
    }
  };

  if (o.redis) {
    // A subscribed connection can do nothing else, hence a duplicate of the shared one.
    subscriber = o.redis.duplicate();
    subscriber.on('error', (err: Error) => o.log.warn({ err: err.message }, 'live subscriber error'));
    void subscriber.subscribe(o.channel).catch((err: unknown) => o.log.error({ err }, 'live subscribe failed'));
    subscriber.on('message', (_channel: string, raw: string) => deliverSafely(JSON.parse(raw) as LiveMessage));
  }

  return {
    announce(msg) {
      if (o.redis) void o.redis.publish(o.channel, JSON.stringify(msg)).catch(() => deliverSafely(msg));
      else deliverSafely(msg);
    },
    attach(userId, socket) {
      let set = sockets.get(userId);
      if (!set) sockets.set(userId, (set = new Set()));
      set.add(socket);
      return () => {
        set.delete(socket);
        if (!set.size) sockets.delete(userId);
      };
    },
    async close() {
      sockets.clear();
      subscriber?.disconnect();
    },
  };
}
