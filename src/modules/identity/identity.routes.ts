import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { PlatformContext } from '../../platform/context.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { enforceLimit, rateHeaders, rateLimited } from '../../platform/ratelimit/guard.js';
import { resolveActor } from './credentials.js';
import type { RoleRow, SessionRow, UserRow } from './identity.repository.js';
import * as S from './identity.schemas.js';
import { isAdmin, requireAdmin, type Actor, type IdentityService, type TokenPair } from './identity.service.js';
import type { TokenSigner } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

export const userOut = (u: UserRow): S.UserOut => ({
  id: u.id,
  username: u.username,
  email: u.email,
  emailVerified: u.emailVerified,
  createdTimestamp: u.createdAt.getTime(),
  enabled: u.isActive,
  firstName: u.firstName,
  lastName: u.lastName,
});
const roleOut = (r: Pick<RoleRow, 'id' | 'name' | 'description' | 'permissions'>) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  permissions: r.permissions,
});
const sessionOut = (s: SessionRow) => ({
  id: s.id,
  ipAddress: s.ipAddress,
  start: s.createdAt.getTime(),
  lastAccess: s.lastAccessAt.getTime(),
  clients: { [s.client]: s.client },
});
const tokenOut = (t: TokenPair) => ({
  access_token: t.accessToken,
  expires_in: Math.round(t.accessTtl),
  refresh_expires_in: Math.round(t.refreshTtl),
  refresh_token: t.refreshToken,
  token_type: 'Bearer' as const,
  scope: 'openid profile email',
  session_state: t.sessionId,
});

const LOGIN_WINDOW = 15 * 60;
const errors = { 400: S.Detail, 401: S.Detail, 403: S.Detail, 404: S.Detail, 409: S.Detail, 429: S.Detail };
const bearer = [{ bearer: [] }];
/** For routes whose body is optional: no body reads as an empty object. */
const emptyBody = async (req: FastifyRequest) => {
  req.body ??= {};
};

export function identityRoutes(ctx: PlatformContext, service: IdentityService, signer: TokenSigner) {
  const { config, limiter } = ctx;
  const limits = config.RATE_LIMIT_ENABLED;

  const limitUser = (key: string, reply: FastifyReply) =>
    limits ? enforceLimit(limiter, reply, `idn:rl:${key}`, config.RATE_LIMIT_USER_PER_MINUTE, 60) : Promise.resolve();

  /** preHandler: resolves the caller, counts the request against their per-user limit, checks admin. */
  const auth =
    (opts: { admin?: boolean } = {}) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const actor = await resolveActor(service, req);
      req.actor = actor;
      await limitUser(`u:${actor.userId}`, reply);
      if (opts.admin) requireAdmin(actor);
    };
  const anonymous = async (req: FastifyRequest, reply: FastifyReply) => limitUser(`ip:${req.ip}`, reply);
  const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? '', client: 'idp' });

  return async function routes(root: FastifyInstance) {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/.well-known/jwks.json', { schema: { summary: 'Public signing keys (asymmetric keys only)' } }, async () =>
      signer.jwks(),
    );

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
      '/api/v1/users/token',
      {
        schema: {
          summary: 'Log in with username or email and password',
          body: S.TokenBody,
          response: { 200: S.Token, ...errors },
        },
      },
      async (req, reply) => {
        const login = (req.body.login ?? req.body.username ?? '').trim();
        if (!login) throw new AppError('VALIDATION_FAILED', 400, 'login: field required');
        const accountKey = `idn:login:${login.toLowerCase()}|${req.ip}`;
        if (limits) {
          await enforceLimit(limiter, reply, `idn:login-ip:${req.ip}`, config.RATE_LIMIT_LOGIN_PER_IP, LOGIN_WINDOW);
          const failures = await limiter.peek(accountKey, config.RATE_LIMIT_LOGIN_PER_ACCOUNT, LOGIN_WINDOW);
          if (!failures.allowed) throw rateLimited(failures, 'Too many failed logins; try again later');
        }
        let user: UserRow;
        try {
          user = await service.authenticate(login, req.body.password);
        } catch (err) {
          if (limits) {
            const d = await limiter.hit(accountKey, config.RATE_LIMIT_LOGIN_PER_ACCOUNT, LOGIN_WINDOW);
            reply.headers(rateHeaders(d));
          }
          throw err;
        }
        if (limits) await limiter.reset(accountKey, LOGIN_WINDOW);
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
          body: S.IntrospectBody,
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
        preHandler: auth(),
        schema: {
          summary: 'End every session of the caller',
          security: bearer,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        await service.endAllSessions(req.actor!.userId);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/api/v1/users/logout/:user_id',
      {
        preHandler: auth({ admin: true }),
        schema: {
          summary: 'End every session of a user (admin)',
          security: bearer,
          params: S.UserIdParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        if (!(await service.getUser(req.params.user_id))) throw notFound('User not found');
        await service.endAllSessions(req.params.user_id, 'admin-logout');
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/api/v1/users/reset',
      {
        preHandler: auth(),
        schema: {
          summary: 'Change password; every other session ends',
          security: bearer,
          body: S.ResetBody,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        await service.changePassword(req.actor!, req.body.old_password, req.body.password);
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

    app.get(
      '/api/v1/roles/',
      {
        preHandler: auth({ admin: true }),
        schema: { summary: 'List roles (admin)', security: bearer, response: { 200: Type.Array(S.Role), ...errors } },
      },
      async () => (await service.listRoles()).map(roleOut),
    );

    app.post(
      '/api/v1/roles/',
      {
        preHandler: auth({ admin: true }),
        schema: {
          summary: 'Create a role (admin)',
          security: bearer,
          body: S.RoleCreate,
          response: { 201: S.Role, ...errors },
        },
      },
      async (req, reply) => reply.code(201).send(roleOut(await service.createRole(req.body))),
    );

    app.put(
      '/api/v1/roles/:role_id',
      {
        preHandler: auth({ admin: true }),
        schema: {
          summary: 'Update a role (admin)',
          security: bearer,
          params: S.RoleIdParams,
          body: S.RoleUpdate,
          response: { 200: S.Role, ...errors },
        },
      },
      async (req) => roleOut(await service.updateRole(req.params.role_id, req.body)),
    );

    app.delete(
      '/api/v1/roles/:role_id',
      {
        preHandler: auth({ admin: true }),
        schema: {
          summary: 'Delete a role (admin)',
          security: bearer,
          params: S.RoleIdParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        await service.deleteRole(req.params.role_id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/api/v1/roles/:role_id/users',
      {
        preHandler: auth({ admin: true }),
        schema: {
          summary: 'Assign a role to users (admin)',
          security: bearer,
          params: S.RoleIdParams,
          body: S.RoleAssign,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        await service.assignRole(req.params.role_id, req.body.users);
        return reply.code(204).send(null);
      },
    );

    app.delete(
      '/api/v1/roles/:role_id/users/:user_id',
      {
        preHandler: auth({ admin: true }),
        schema: {
          summary: 'Take a role from a user (admin)',
          security: bearer,
          params: S.RoleUserParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        await service.unassignRole(req.params.role_id, req.params.user_id);
        return reply.code(204).send(null);
      },
    );

    const keyOut = (k: { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null }) => ({
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      created_at: k.createdAt.toISOString(),
      last_used_at: k.lastUsedAt?.toISOString() ?? null,
    });

    app.get(
      '/api/v1/api-keys/',
      {
        preHandler: auth(),
        schema: {
          summary: "The caller's API keys",
          security: bearer,
          response: { 200: Type.Array(S.ApiKey), ...errors },
        },
      },
      async (req) => (await service.listApiKeys(req.actor!.userId)).map(keyOut),
    );

    app.post(
      '/api/v1/api-keys/',
      {
        preHandler: auth(),
        schema: {
          summary: 'Create an API key (the key is shown once)',
          security: bearer,
          body: S.ApiKeyCreate,
          response: { 201: S.ApiKeyCreated, ...errors },
        },
      },
      async (req, reply) => {
        const { row, key } = await service.createApiKey(req.actor!.userId, req.body.name);
        return reply.code(201).send({ ...keyOut(row), key });
      },
    );

    app.delete(
      '/api/v1/api-keys/:id',
      {
        preHandler: auth(),
        schema: {
          summary: 'Revoke an API key',
          security: bearer,
          params: S.KeyIdParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (req, reply) => {
        await service.revokeApiKey(req.actor!.userId, req.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
