import { Type } from 'typebox';
import { AppError, notFound } from '../../platform/errors.js';
import { OPTIONAL_BODY } from '../../platform/http/docs.js';
import * as S from './identity.schemas.js';
import type { IdentityService } from './identity.service.js';
import {
  bearer,
  emptyBody,
  errors,
  sessionOut,
  tokenOut,
  type IdentityGuards,
  type TypedApp,
} from './identity.http.js';

/** Sign-in and sessions: tokens, refresh, introspection, logout, the caller's sessions. */
export function sessionRoutes(app: TypedApp, service: IdentityService, g: IdentityGuards) {
  const { auth, anonymous, meta } = g;
  app.post(
    '/api/v1/users/token',
    {
      schema: {
        summary: 'Log in with username or email and password',
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        body: S.TokenBody,
        response: { 200: S.Token, ...errors },
      },
    },
    async (req) => {
      const login = (req.body.login ?? req.body.username ?? '').trim();
      if (!login) throw new AppError('VALIDATION_FAILED', 400, 'login: field required');
      const user = await service.passwordLogin({ login, password: req.body.password, ip: req.ip });
      return tokenOut(await service.issueTokens(user, meta(req)));
    },
  );

  app.post(
    '/api/v1/users/refresh',
    {
      preHandler: anonymous,
      schema: { summary: 'Rotate a refresh token', body: S.RefreshBody, response: { 200: S.Token, ...errors } },
    },
    async (req) => tokenOut(await service.refresh(req.body.refresh_token)),
  );

  app.post(
    '/api/v1/users/introspect',
    {
      preValidation: emptyBody,
      preHandler: anonymous,
      schema: {
        summary: 'Is this access token valid? (the bearer token, or `token` in the body)',
        security: [{}, ...bearer],
        body: S.IntrospectBody,
        [OPTIONAL_BODY]: true,
        response: { 200: S.Introspection, ...errors },
      },
    },
    async (req) => {
      const header = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const token = req.body.token ?? header;
      if (!token) return { valid: false, active: false };
      try {
        const actor = await service.resolveAccessToken(token);
        const c = actor.claims!;
        return { ...c, valid: true, active: true, username: actor.username, roles: actor.roles };
      } catch {
        return { valid: false, active: false };
      }
    },
  );

  app.post(
    '/api/v1/users/logout',
    {
      preValidation: emptyBody,
      preHandler: auth(),
      schema: {
        summary: 'End a session: the one of `refresh_token`, or the current one',
        security: bearer,
        body: S.LogoutBody,
        [OPTIONAL_BODY]: true,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const actor = req.actor!;
      if (req.body.refresh_token) await service.logoutByRefreshToken(req.body.refresh_token, actor);
      else if (actor.sessionId) await service.endSession(actor.sessionId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/users/logout/all',
    {
      preValidation: emptyBody,
      preHandler: auth(),
      schema: {
        summary: 'End every session of the caller, and revoke their API keys unless keep_api_keys',
        security: bearer,
        body: S.LogoutAllBody,
        [OPTIONAL_BODY]: true,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await service.endAllSessions(req.actor!.userId, 'logout-all', { keepApiKeys: req.body.keep_api_keys });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/users/logout/:user_id',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: 'End every session of a user and revoke their API keys (admin)',
        security: bearer,
        params: S.UserIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      if (!(await service.getUser(req.params.user_id))) throw notFound('User not found');
      await service.requireManageable(req.actor!, req.params.user_id);
      await service.endAllSessions(req.params.user_id, 'admin-logout');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/users/sessions',
    {
      preHandler: auth(),
      schema: {
        summary: "The caller's sessions",
        security: bearer,
        response: { 200: Type.Array(S.Session), ...errors },
      },
    },
    async (req) => (await service.listSessions(req.actor!.userId)).map(sessionOut),
  );
}
