import Fastify from 'fastify';
import type { Scenario } from '../scenario.js';

export const scenario: Scenario = {
  name: 'health',
  description: 'GET /health through the full stack (ids, access log, metrics, helmet) vs a bare Fastify route',
  prepare: async () => ({ path: '/health' }),
  baseline: async () => {
    const app = Fastify();
    app.get('/health', async () => ({ status: 'ok' }));
    return app;
  },
};
