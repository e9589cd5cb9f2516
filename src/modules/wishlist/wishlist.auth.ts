import type { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { isAppError } from '../../platform/errors.js';
import type { Actor, IdentityApi } from '../identity/index.js';
import { badAuthHeader, notAuthenticated, tokenNotValid, userInactive } from './wishlist.errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    wishActor?: Actor;
  }
}

/** Claims of a token identity already verified (or undefined): used only to word the rejection. */
export function peekClaims(token: string): { sub?: string; typ?: unknown } | undefined {
  try {
    return decodeJwt(token) as { sub?: string; typ?: unknown };
  } catch {
    return undefined;
  }
}

/**
 * SimpleJWT's JWTAuthentication over identity tokens. Only `Authorization: Bearer <token>` counts (another
 * scheme is "no credentials", as in SimpleJWT); identity's failures are reworded into SimpleJWT's bodies.
 */
export function simpleJwtAuth(identity: IdentityApi) {
  async function inactive(token: string): Promise<boolean> {
    const sub = peekClaims(token)?.sub;
    const user = typeof sub === 'string' ? await identity.service.getUser(sub).catch(() => undefined) : undefined;
    return Boolean(user && !user.isActive);
  }

  /** The caller, undefined when the request carries no bearer token; a bad token throws the 401. */
  async function authenticate(req: FastifyRequest): Promise<Actor | undefined> {
    const header = req.headers.authorization;
    if (!header) return undefined;
    const parts = header.trim().split(/\s+/);
    if (parts[0] !== 'Bearer') return undefined;
    if (parts.length === 1) return undefined;
    if (parts.length !== 2) throw badAuthHeader();
    const token = parts[1]!;
    try {
      return await identity.service.resolveAccessToken(token, 'bearer');
    } catch (err) {
      if (!isAppError(err)) throw err;
      if (err.code === 'USER_INACTIVE') throw userInactive();
      // Deactivation ends every session; SimpleJWT would still read the token and then find the user inactive.
      if (err.code === 'SESSION_REVOKED' && (await inactive(token))) throw userInactive();
      if (err.status !== 401) throw err;
      const typ = peekClaims(token)?.typ;
      throw tokenNotValid(typ === 'Refresh' ? 'Token has wrong type' : 'Token is invalid or expired');
    }
  }

  return {
    authenticate,
    /** preHandler for IsAuthenticated routes. */
    required: async (req: FastifyRequest) => {
      const actor = await authenticate(req);
      if (!actor) throw notAuthenticated();
      req.wishActor = actor;
    },
    /** preHandler for AllowAny routes: a present but bad token is still a 401, as in DRF. */
    optional: async (req: FastifyRequest) => {
      req.wishActor = await authenticate(req);
    },
  };
}

export type SimpleJwtAuth = ReturnType<typeof simpleJwtAuth>;

/** The actor set by `required` (routes behind it only). */
export const actorOf = (req: FastifyRequest): Actor => {
  if (!req.wishActor) throw notAuthenticated();
  return req.wishActor;
};
