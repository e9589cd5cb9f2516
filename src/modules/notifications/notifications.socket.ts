import type { FastifyInstance } from 'fastify';
import type { RealtimeHub } from '../../platform/realtime/hub.js';
import { credentialFromMessage, serveLiveSocket } from '../../platform/realtime/socket.js';
import type { IdentityApi } from '../identity/index.js';

/**
 * GET /ws: the caller's live notifications. Authenticated by an Authorization header, `?token=`, or (browsers
 * cannot set headers) the first message (the token, or `{"token": "..."}`). Frames `{id, subject, body,
 * sent_at}` reach every open socket of the user on every instance; `{"type":"ready"}` says the socket is
 * subscribed.
 */
export function notificationSocket(hub: RealtimeHub, identity: IdentityApi) {
  return async (app: FastifyInstance) => {
    app.get('/api/v1/ws', { websocket: true }, (socket, req) => {
      const token = (req.query as { token?: unknown }).token;
      serveLiveSocket(socket, {
        hub,
        fromRequest:
          typeof token === 'string' && token
            ? () => identity.service.resolveAccessToken(token)
            : req.headers.authorization || req.headers['api-key']
              ? () => identity.resolve(req)
              : undefined,
        fromMessage: (raw) => identity.service.resolveAccessToken(credentialFromMessage(raw, 'token')),
      });
    });
  };
}
