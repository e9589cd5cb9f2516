import { hash, verify } from '@node-rs/argon2';
import { bareFastify, type Scenario } from '../scenario.js';

const password = 'bench-password-123';

/** Login is dominated by argon2id; the baseline verifies the same hash with the same cost and signs nothing. */
export const scenario: Scenario = {
  name: 'token',
  description:
    'POST /idp/api/v1/users/token (argon2id verify + session + JWT pair) vs bare Fastify doing the argon2id verify',
  connections: 8,
  prepare: async (agora) => {
    const username = `bench${Date.now()}`;
    await agora.identity.service.register({ username, password, email: null });
    return {
      path: '/idp/api/v1/users/token',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: username, password }),
    };
  },
  baseline: async () => {
    const hashed = await hash(password, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const app = bareFastify();
    app.post('/idp/api/v1/users/token', async () => ({ ok: await verify(hashed, password) }));
    return app;
  },
};
