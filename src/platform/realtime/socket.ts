import type { RealtimeHub } from './hub.js';

/** How long a socket may stay open without authenticating. */
const AUTH_TIMEOUT_MS = 10_000;

/** What a live route needs of a websocket (the `ws` socket's subset). */
interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  once(event: 'message', fn: (data: Buffer) => void): void;
  on(event: 'close', fn: () => void): void;
  readyState: number;
}

/**
 * A live socket that authenticates once, then receives the hub's frames for its user. The credential comes
 * with the upgrade request (a header or a query parameter: `fromRequest`) or, since browsers cannot set
 * headers on a websocket, as the first message (`fromMessage`). A socket that has not authenticated within
 * 10 s, or whose credential is refused, gets `{"type":"error","detail"}` and is closed with 4401; an accepted
 * one gets `{"type":"ready","user"}` once it is subscribed on every instance.
 */
export function serveLiveSocket(
  socket: WebSocketLike,
  o: {
    hub: RealtimeHub;
    fromRequest?: () => Promise<{ userId: string }>;
    fromMessage: (raw: string) => Promise<{ userId: string }>;
  },
): void {
  let detach: (() => void) | undefined;
  let done = false;
  const refuse = (detail: string) => {
    if (socket.readyState === 1) socket.send(JSON.stringify({ type: 'error', detail }));
    socket.close(4401, 'unauthorized');
  };
  const start = async (resolve: () => Promise<{ userId: string }>) => {
    done = true;
    clearTimeout(timer);
    let user: { userId: string };
    try {
      user = await resolve();
    } catch (err) {
      return refuse((err as Error).message);
    }
    if (socket.readyState !== 1) return;
    detach = o.hub.attach(user.userId, socket);
    await o.hub.listening();
    socket.send(JSON.stringify({ type: 'ready', user: user.userId }));
  };
  const timer = setTimeout(() => refuse('Authentication credentials were not provided.'), AUTH_TIMEOUT_MS);
  socket.on('close', () => {
    clearTimeout(timer);
    detach?.();
  });
  if (o.fromRequest) void start(o.fromRequest);
  else
    socket.once('message', (data: Buffer) => {
      if (!done) void start(() => o.fromMessage(data.toString()));
    });
}

/** A credential sent as the first message: the value itself, or `{"<field>": "..."}`. */
export function credentialFromMessage(raw: string, field: string): string {
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as Record<string, unknown>)[field] === 'string')
      return (parsed as Record<string, string>)[field]!;
  } catch {
    // not JSON: the message is the credential
  }
  return raw.trim();
}
