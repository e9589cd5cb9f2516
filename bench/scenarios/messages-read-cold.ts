import type { Scenario } from '../scenario.js';
import { scenario as warm } from './messages-read.js';

/**
 * Cold history cache: the same request and baseline as messages-read, with every page read from the
 * database. Memberships (which never change) and sessions stay cached, as in production, so Agora runs the
 * page SQL only, where the baseline also looks up the session and the membership on every request.
 */
export const scenario: Scenario = {
  ...warm,
  name: 'messages-read-cold',
  description:
    'GET /messenger/v1/chats/{id}/messages?limit=20, history cache disabled (1 ms TTL: every page read runs its SQL; memberships and sessions stay cached) vs bare Fastify doing session + membership + page SQL',
  config: { ...warm.config, MESSENGER_HISTORY_CACHE_TTL: '1ms' },
};
