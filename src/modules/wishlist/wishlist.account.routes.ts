import type { FastifyInstance, FastifySchema } from 'fastify';
import type { UserRow } from '../identity/index.js';
import type { AccountService } from './wishlist.accounts.js';
import { actorOf, type SimpleJwtAuth } from './wishlist.auth.js';
import { bearerSecurity, drf, errorResponses, drfOptions } from './wishlist.http.js';
import * as S from './wishlist.schemas.js';

const registered = (u: UserRow) => ({
  username: u.username,
  email: u.email ?? '',
  first_name: u.firstName,
  last_name: u.lastName,
});
const meOut = (u: UserRow) => ({
  id: u.id,
  username: u.username,
  email: u.email ?? '',
  first_name: u.firstName,
  last_name: u.lastName,
  is_active: u.isActive,
});

/** register, SimpleJWT login/refresh and /api/users/me/, as the Django original answers them. */
export function accountRoutes(accounts: AccountService, auth: SimpleJwtAuth) {
  return async (app: FastifyInstance) => {
    app.post(
      '/api/register/',
      {
        ...drf,
        schema: {
          summary: 'Register an account',
          body: S.Register,
          response: { 201: S.Registered, 400: S.FieldErrors },
        },
      },
      async (req, reply) => reply.code(201).send(registered(await accounts.register(req.body))),
    );
    drfOptions(app, '/api/register/', ['POST']);

    app.post(
      '/api/login/',
      {
        ...drf,
        schema: {
          summary: 'Obtain a SimpleJWT token pair',
          body: S.Login,
          response: { 200: S.TokenPair, 400: S.FieldErrors, 401: S.Detail },
        },
      },
      async (req) => accounts.login(req.body, { ip: req.ip, userAgent: req.headers['user-agent'] ?? '' }),
    );
    drfOptions(app, '/api/login/', ['POST']);

    app.post(
      '/api/token/refresh/',
      {
        ...drf,
        schema: {
          summary: 'A new access token from a refresh token (not rotated)',
          body: S.RefreshIn,
          response: { 200: S.AccessOut, 400: S.FieldErrors, 401: S.Detail },
        },
      },
      async (req) => accounts.refresh(req.body),
    );
    drfOptions(app, '/api/token/refresh/', ['POST']);

    const me = { ...drf, preHandler: auth.required };
    const doc = (summary: string, extra: Record<string, unknown> = {}): FastifySchema => ({
      summary,
      security: bearerSecurity,
      ...extra,
      response: { 200: S.Me, ...errorResponses },
    });
    app.get('/api/users/me/', { ...me, schema: doc('The caller’s account') }, async (req) =>
      meOut(await accounts.me(actorOf(req).userId)),
    );
    app.put(
      '/api/users/me/',
      { ...me, schema: doc('Replace username, email and names', { body: S.MePut }) },
      async (req) => meOut(await accounts.replace(actorOf(req).userId, req.body)),
    );
    app.patch(
      '/api/users/me/',
      { ...me, schema: doc('Update first_name/last_name (other keys are ignored)', { body: S.MePatch }) },
      async (req) => meOut(await accounts.patch(actorOf(req).userId, req.body)),
    );
    app.delete(
      '/api/users/me/',
      {
        ...me,
        schema: {
          summary: 'Deactivate the account everywhere (its tokens stop at once)',
          security: bearerSecurity,
          response: { 204: { type: 'null', description: 'Deactivated' }, 401: S.Detail },
        },
      },
      async (req, reply) => {
        await accounts.deactivate(actorOf(req).userId);
        return reply.code(204).send();
      },
    );
    drfOptions(app, '/api/users/me/', ['GET', 'PUT', 'PATCH', 'DELETE'], auth.required);
  };
}
