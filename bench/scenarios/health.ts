import { bareFastify, type Scenario } from '../scenario.js';

export const scenario: Scenario = {
  name: 'health',
  description:
    'GET /health through the full stack (ids, access log, metrics, security headers) vs a bare Fastify route',
  prepare: async () => ({ path: '/health' }),
  baseline: async () => {
    const app = bareFastify();
    app.get('/health', async () => ({ status: 'ok' }));
    return app;
  },
};
