import type { FastifyInstance } from 'fastify';
import type { RealtimeHub } from '../../platform/realtime/hub.js';
import type { Actor, IdentityApi } from '../identity/index.js';

/** How long a socket may stay open without authenticating. */
const AUTH_TIMEOUT_MS = 10_000;

/** A token from the first message: the token itself, or `{"token": "..."}`. */
function tokenOf(raw: string): string {
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { token?: unknown }).token === 'string')
      return (parsed as { token: string }).token;
  } catch {
    // not JSON: the message is the token
  }
  return raw.trim();
}

/**
 * GET /ws: the caller's live notifications. Authenticated by an Authorization header, `?token=`, or (browsers
 * cannot set headers) the first message. Frames `{id, subject, body, sent_at}` reach every open socket of the
 * user on every instance; `{"type":"ready"}` says the socket is subscribed.
 */
export function notificationSocket(hub: RealtimeHub, identity: IdentityApi) {
  return async (app: FastifyInstance) => {
    app.get('/api/v1/ws', { websocket: true }, (socket, req) => {
      let detach: (() => void) | undefined;
      let done = false;
      const refuse = (detail: string) => {
        if (socket.readyState === 1) socket.send(JSON.stringify({ type: 'error', detail }));
        socket.close(4401, 'unauthorized');
      };
      const start = async (resolve: () => Promise<Actor>) => {
        done = true;
        clearTimeout(timer);
        let actor: Actor;
        try {
          actor = await resolve();
        } catch (err) {
          return refuse((err as Error).message);
        }
        if (socket.readyState !== 1) return;
        detach = hub.attach(actor.userId, socket);
        await hub.listening();
        socket.send(JSON.stringify({ type: 'ready', user: actor.userId }));
      };
      const timer = setTimeout(() => refuse('Authentication credentials were not provided.'), AUTH_TIMEOUT_MS);
      socket.on('close', () => {
        clearTimeout(timer);
        detach?.();
      });
      const token = (req.query as { token?: unknown }).token;
      if (typeof token === 'string' && token) {
        void start(() => identity.service.resolveAccessToken(token));
      } else if (req.headers.authorization || req.headers['api-key']) {
        void start(() => identity.resolve(req));
      } else {
        socket.once('message', (data: Buffer) => {
          if (!done) void start(() => identity.service.resolveAccessToken(tokenOf(data.toString())));
        });
      }
    });
  };
}
