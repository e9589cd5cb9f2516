import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../platform/db/database.js';
import type { RealtimeHub } from '../../platform/realtime/hub.js';
import { credentialFromMessage, serveLiveSocket } from '../../platform/realtime/socket.js';
import type { IdentityApi } from '../identity/index.js';
import { microblogRepository as repo } from './microblog.repository.js';
import type { FeedTweet } from './microblog.service.js';

/**
 * The live feed (beyond the seed): `GET /api/live`, a websocket on which a reader receives every new tweet of
 * the accounts they follow, and their own, as `{"type":"tweet","tweet":{…}}` in the feed's shape — on every
 * instance (Redis pub/sub when configured). It authenticates with an API key, as the REST API does: the
 * `api-key` header, `?api_key=`, or (browsers cannot set headers on a websocket) the first message (the key,
 * or `{"api_key": "..."}`).
 */
export function microblogLive(o: { db: Db; hub: RealtimeHub; identity: IdentityApi }) {
  const byKey = (req: FastifyRequest, apiKey: string) =>
    o.identity.resolve(req, { accept: ['apikey'], apiKey, module: 'microblog' });
  return {
    /** A committed tweet to the open sockets of its author's followers and of the author. */
    async announce(tweet: FeedTweet, authorId: number) {
      const readers = await repo.readersOf(o.db, authorId);
      await o.hub.publish(readers, JSON.stringify({ type: 'tweet', tweet }));
    },

    routes: async (app: FastifyInstance) => {
      app.get(
        '/api/live',
        { websocket: true, schema: { summary: 'New tweets of your feed, live (websocket)' } },
        (socket, req) => {
          const key = (req.query as { api_key?: unknown }).api_key;
          serveLiveSocket(socket, {
            hub: o.hub,
            fromRequest:
              typeof key === 'string' && key
                ? () => byKey(req, key)
                : req.headers['api-key'] !== undefined
                  ? () => o.identity.resolve(req, { accept: ['apikey'] })
                  : undefined,
            fromMessage: (raw) => byKey(req, credentialFromMessage(raw, 'api_key')),
          });
        },
      );
    },

    close: () => o.hub.close(),
  };
}
