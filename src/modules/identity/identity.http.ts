import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlatformContext } from '../../platform/context.js';
import { enforceLimit } from '../../platform/ratelimit/guard.js';
import { resolveActor } from './credentials.js';
import type { RoleRow, SessionRow, UserRow } from './identity.repository.js';
import * as S from './identity.schemas.js';
import { requireAdmin, type Actor, type IdentityService, type TokenPair } from './identity.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

/** The TypeBox-typed Fastify instance identity's route files receive. */
export type TypedApp = ReturnType<typeof typed>;
export const typed = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>();

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
export const roleOut = (r: Pick<RoleRow, 'id' | 'name' | 'description' | 'permissions'>) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  permissions: r.permissions,
});
export const sessionOut = (s: SessionRow) => ({
  id: s.id,
  ipAddress: s.ipAddress,
  start: s.createdAt.getTime(),
  lastAccess: s.lastAccessAt.getTime(),
  clients: { [s.client]: s.client },
});
export const tokenOut = (t: TokenPair) => ({
  access_token: t.accessToken,
  expires_in: Math.round(t.accessTtl),
  refresh_expires_in: Math.round(t.refreshTtl),
  refresh_token: t.refreshToken,
  token_type: 'Bearer' as const,
  scope: 'openid profile email',
  session_state: t.sessionId,
});

export const errors = { 400: S.Detail, 401: S.Detail, 403: S.Detail, 404: S.Detail, 409: S.Detail, 429: S.Detail };
export const bearer = [{ bearer: [] }];
/** For routes whose body is optional: no body reads as an empty object. */
export const emptyBody = async (req: FastifyRequest) => {
  req.body ??= {};
};

/** The client (`azp`) of the tokens identity's own sign-in issues. */
export const IDP_CLIENT = 'idp';

/** preHandlers shared by identity's routes: who is calling, their per-user limit, admin checks. */
export function identityGuards(ctx: PlatformContext, service: IdentityService) {
  const { config, limiter } = ctx;
  const limitUser = (key: string, reply: FastifyReply) =>
    config.RATE_LIMIT_ENABLED
      ? enforceLimit(limiter, reply, `idn:rl:${key}`, config.RATE_LIMIT_USER_PER_MINUTE, 60)
      : Promise.resolve();
  return {
    /**
     * preHandler: resolves the caller, counts the request against their per-user limit, checks admin. Identity's
     * own routes accept an interactive bearer token only: never an API key or a messenger session. Any module's
     * token reads the caller's own account (one account everywhere); administration and the caller's
     * credentials (`admin`, `credentials`: password, API keys, linked sign-ins) take identity's own short-lived
     * tokens only — a stolen wishlist token (it lives a day) is no key to them.
     */
    auth:
      (opts: { admin?: boolean; credentials?: boolean } = {}) =>
      async (req: FastifyRequest, reply: FastifyReply) => {
        const strict = opts.admin || opts.credentials;
        const actor = await resolveActor(service, req, {
          accept: ['bearer'],
          ...(strict ? { clients: [IDP_CLIENT] } : {}),
        });
        req.actor = actor;
        await limitUser(`u:${actor.userId}`, reply);
        if (opts.admin) requireAdmin(actor);
      },
    anonymous: async (req: FastifyRequest, reply: FastifyReply) => limitUser(`ip:${req.ip}`, reply),
    meta: (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? '', client: IDP_CLIENT }),
  };
}
export type IdentityGuards = ReturnType<typeof identityGuards>;
