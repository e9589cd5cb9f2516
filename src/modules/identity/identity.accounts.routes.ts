import { Type } from 'typebox';
import { forbidden, notFound } from '../../platform/errors.js';
import * as S from './identity.schemas.js';
import { isAdmin, type IdentityService } from './identity.service.js';
import { bearer, errors, roleOut, sessionOut, userOut, type IdentityGuards, type TypedApp } from './identity.http.js';

/** Accounts: registration, the caller, password change, and the admin view of users. */
export function accountRoutes(app: TypedApp, service: IdentityService, g: IdentityGuards) {
  const { auth, anonymous } = g;
  app.post(
    '/api/v1/users/',
    {
      preHandler: anonymous,
      schema: { summary: 'Register an account', body: S.RegisterBody, response: { 201: S.User, ...errors } },
    },
    async (req, reply) => {
      const user = await service.register({
        username: req.body.username,
        email: req.body.email,
        password: req.body.password,
        firstName: req.body.first_name,
        lastName: req.body.last_name,
      });
      return reply.code(201).send(userOut(user));
    },
  );

  app.post(
    '/api/v1/users/reset',
    {
      preHandler: auth({ credentials: true }),
      schema: {
        summary: 'Change password; every other session ends, and the API keys unless keep_api_keys',
        security: bearer,
        body: S.ResetBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await service.changePassword(req.actor!, req.body.old_password, req.body.password, {
        keepApiKeys: req.body.keep_api_keys,
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/users/me',
    { preHandler: auth(), schema: { summary: 'The caller', security: bearer, response: { 200: S.Me, ...errors } } },
    async (req) => {
      const a = req.actor!;
      return {
        user_id: a.userId,
        username: a.username,
        email: a.email,
        email_verified: a.emailVerified,
        roles: a.roles,
      };
    },
  );

  app.get(
    '/api/v1/users/',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: 'List users (admin)',
        security: bearer,
        querystring: S.UsersQuery,
        response: { 200: Type.Array(S.User), ...errors },
      },
    },
    async (req) =>
      (
        await service.listUsers({ page: req.query.page_number, size: req.query.page_size, search: req.query.search })
      ).map(userOut),
  );

  app.get(
    '/api/v1/users/:user_id',
    {
      preHandler: auth(),
      schema: {
        summary: 'A user (admin, or the user themself)',
        security: bearer,
        params: S.UserIdParams,
        response: { 200: S.User, ...errors },
      },
    },
    async (req) => {
      const actor = req.actor!;
      if (actor.userId !== req.params.user_id && !isAdmin(actor)) throw forbidden('Admin role required');
      const user = await service.getUser(req.params.user_id);
      if (!user) throw notFound('User not found');
      return userOut(user);
    },
  );

  app.get(
    '/api/v1/users/:user_id/roles',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: "A user's roles (admin)",
        security: bearer,
        params: S.UserIdParams,
        response: { 200: Type.Array(S.Role), ...errors },
      },
    },
    async (req) => {
      if (!(await service.getUser(req.params.user_id))) throw notFound('User not found');
      return (await service.rolesOfUser(req.params.user_id)).map(roleOut);
    },
  );

  app.get(
    '/api/v1/users/:user_id/sessions',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: "A user's sessions (admin)",
        security: bearer,
        params: S.UserIdParams,
        response: { 200: Type.Array(S.Session), ...errors },
      },
    },
    async (req) => {
      if (!(await service.getUser(req.params.user_id))) throw notFound('User not found');
      return (await service.listSessions(req.params.user_id)).map(sessionOut);
    },
  );
}
