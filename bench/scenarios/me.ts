import { bareFastify, type Scenario } from '../scenario.js';

const password = 'bench-password-123';

/** The baseline verifies the same HS256 JWT and answers the same body, with no session check at all. */
export const scenario: Scenario = {
  name: 'me',
  description: 'GET /idp/api/v1/users/me with a bearer token (session cached) vs bare Fastify verifying the JWT',
  prepare: async (agora) => {
    const user = await agora.identity.service.register({ username: `bench${Date.now()}`, password, email: null });
    const pair = await agora.identity.service.issueTokens(user, { accessTtl: 3600 });
    return { path: '/idp/api/v1/users/me', headers: { authorization: `Bearer ${pair.accessToken}` } };
  },
  baseline: async ({ request }) => {
    const { jwtVerify } = await import('jose');
    const key = new TextEncoder().encode('bench-secret-bench-secret-bench-secret-0001');
    const app = bareFastify();
    app.get('/idp/api/v1/users/me', async (req) => {
      const token = (req.headers.authorization ?? '').slice(7);
      const { payload } = await jwtVerify(token, key);
      return {
        user_id: payload.sub,
        username: payload.preferred_username,
        email: null,
        email_verified: false,
        roles: [],
      };
    });
    void request;
    return app;
  },
};
