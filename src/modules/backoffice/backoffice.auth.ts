import type { FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { PlatformContext } from '../../platform/context.js';
import { isAppError } from '../../platform/errors.js';
import { loginFailure, type Actor, type IdentityApi, type TokenPair, type UserRow } from '../identity/index.js';
import {
  csrfFailed,
  noActiveAccount,
  notAuthenticated,
  refreshRejected,
  tokenNotValid,
  userInactive,
} from './backoffice.errors.js';
import { char, emailErrors, validate } from './backoffice.fields.js';
import { groupOf, needsPartner, type Caller } from './backoffice.policy.js';
import type { Scopes } from './backoffice.scopes.js';

const CLIENT = 'backoffice';
export const ACCESS_COOKIE = 'access_token';
export const REFRESH_COOKIE = 'refresh_token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const peek = (token: string) => {
  try {
    return decodeJwt(token) as { sub?: unknown; typ?: unknown; azp?: unknown };
  } catch {
    return undefined;
  }
};

/** Cookie login, refresh and logout over identity sessions, and the caller of every API request. */
export function createAuth(ctx: PlatformContext, identity: IdentityApi, scopes: Scopes, mount: string) {
  const { config } = ctx;
  const svc = identity.service;
  const cookiePaths = { access: `${mount}/api`, refresh: `${mount}/auth` };
  const trusted = new Set(
    [...config.BACKOFFICE_TRUSTED_ORIGINS, ...config.CORS_ORIGINS.filter((o) => o !== '*')].map(originOf),
  );
  const claims = (userId: string, type: 'access' | 'refresh') => ({ token_type: type, user_id: userId });
  const refreshCookie = (req: FastifyRequest) =>
    identity.credentialOf(req, { cookieName: REFRESH_COOKIE, accept: ['cookie'] })?.value;

  /** The back office's password check: identity's login guard (limits shared with every module), by email only. */
  async function checkPassword(email: string, password: string, ip: string): Promise<UserRow | undefined> {
    const matches = (u: UserRow) => u.email?.toLowerCase() === email.toLowerCase();
    return svc.passwordLogin({ login: email, password, ip, match: matches }).catch((err: unknown) => {
      if (loginFailure(err)) return undefined;
      throw err;
    });
  }

  const issue = {
    client: CLIENT,
    accessTtl: config.BACKOFFICE_ACCESS_TOKEN_TTL,
    refreshTtl: config.BACKOFFICE_REFRESH_TOKEN_TTL,
  };

  /** Set-Cookie as Django's set_cookie writes it (expires, HttpOnly, Max-Age, Path, SameSite, Secure). */
  function cookie(name: string, value: string, maxAge: number, path: string): string {
    const expires = new Date(ctx.clock.now().getTime() + maxAge * 1000).toUTCString();
    const secure = config.BACKOFFICE_INSECURE_COOKIES ? '' : '; Secure';
    return `${name}=${value}; expires=${expires}; HttpOnly; Max-Age=${maxAge}; Path=${path}; SameSite=${config.BACKOFFICE_COOKIE_SAMESITE}${secure}`;
  }
  const clearCookie = (name: string, path: string) =>
    `${name}=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=${path}; SameSite=${config.BACKOFFICE_COOKIE_SAMESITE}${config.BACKOFFICE_INSECURE_COOKIES ? '' : '; Secure'}`;

  const setCookies = (reply: FastifyReply, pair: TokenPair) =>
    reply.header('set-cookie', [
      cookie(ACCESS_COOKIE, pair.accessToken, pair.accessTtl, cookiePaths.access),
      cookie(REFRESH_COOKIE, pair.refreshToken, pair.refreshTtl, cookiePaths.refresh),
    ]);

  /** Django's CSRF origin check: the request's own origin, or one configured as trusted. */
  function checkOrigin(req: FastifyRequest) {
    const origin = req.headers.origin ?? (req.headers.referer ? originOf(req.headers.referer) : undefined);
    if (!origin) throw csrfFailed('Origin checking failed - no Origin or Referer header.');
    if (origin === originOf(`${req.protocol}://${req.host}`) || trusted.has(origin)) return;
    throw csrfFailed(`Origin checking failed - ${origin} does not match any trusted origins.`);
  }

  async function inactive(token: string): Promise<boolean> {
    const sub = peek(token)?.sub;
    const user = typeof sub === 'string' ? await svc.getUser(sub).catch(() => undefined) : undefined;
    return Boolean(user && !user.isActive);
  }

  /** The identity actor of an API request: `access_token` cookie or `Authorization: Bearer`, SimpleJWT's 401s. */
  async function actorOf(req: FastifyRequest): Promise<Actor> {
    let actor: Actor;
    try {
      actor = await identity.resolve(req, { cookieName: ACCESS_COOKIE, accept: ['cookie', 'bearer'] });
    } catch (err) {
      if (!isAppError(err) || err.status !== 401) throw err;
      if (err.code === 'AUTH_MISSING') throw notAuthenticated();
      const token =
        identity.credentialOf(req, { cookieName: ACCESS_COOKIE, accept: ['cookie', 'bearer'] })?.value ?? '';
      if (err.code === 'SESSION_REVOKED') {
        if (await inactive(token)) throw userInactive();
        throw tokenNotValid('Token is blacklisted');
      }
      throw tokenNotValid(peek(token)?.typ === 'Refresh' ? 'Token has wrong type' : 'Token is invalid or expired');
    }
    // A cookie is sent by the browser whoever asks: unsafe requests must come from a trusted origin.
    if (actor.via === 'cookie' && UNSAFE.has(req.method)) checkOrigin(req);
    return actor;
  }

  return {
    checkPassword,

    /** POST /auth/token/: email and password → both cookies. */
    async login(body: unknown, req: FastifyRequest, reply: FastifyReply) {
      const v = await validate(
        body,
        {
          email: { field: char({ max: 254, extra: emailErrors }), required: true },
          password: { field: char(), required: true },
        },
        { form: false, partial: false },
      );
      const user = await checkPassword(v.email as string, String((body as Record<string, unknown>).password), req.ip);
      if (!user) throw noActiveAccount();
      const pair = await svc.issueTokens(user, {
        ...issue,
        ip: req.ip,
        userAgent: String(req.headers['user-agent'] ?? ''),
        accessClaims: claims(user.id, 'access'),
        refreshClaims: claims(user.id, 'refresh'),
      });
      setCookies(reply, pair);
    },

    /** POST /auth/token/refresh/: reads only the refresh cookie; rotates it (a reused one ends the session). */
    async refresh(req: FastifyRequest, reply: FastifyReply) {
      const token = refreshCookie(req);
      if (!token) throw refreshRejected('No refresh token provided');
      checkOrigin(req);
      const seen = peek(token);
      if (seen?.azp !== CLIENT || typeof seen.sub !== 'string') throw refreshRejected('Token is invalid or expired');
      try {
        const pair = await svc.refresh(token, {
          ...issue,
          ip: req.ip,
          userAgent: String(req.headers['user-agent'] ?? ''),
          accessClaims: claims(seen.sub, 'access'),
          refreshClaims: claims(seen.sub, 'refresh'),
        });
        setCookies(reply, pair);
      } catch (err) {
        if (!isAppError(err) || err.status !== 401) throw err;
        if (err.code === 'USER_INACTIVE') throw refreshRejected('No active account found for the given token.');
        if (err.code === 'SESSION_REVOKED' || err.code === 'TOKEN_REUSED')
          throw refreshRejected('Token is blacklisted');
        throw refreshRejected('Token is invalid or expired');
      }
    },

    /** POST /auth/logout/: blacklists the refresh token's session and clears both cookies. */
    async logout(req: FastifyRequest, reply: FastifyReply) {
      const token = refreshCookie(req);
      if (token) {
        checkOrigin(req);
        await svc.logoutByRefreshToken(token).catch(() => undefined);
      }
      reply.header('set-cookie', [
        clearCookie(ACCESS_COOKIE, cookiePaths.access),
        clearCookie(REFRESH_COOKIE, cookiePaths.refresh),
      ]);
    },

    actorOf,

    /** The caller with their group and, for owners and teachers, their partner (cached). */
    async callerOf(req: FastifyRequest, opts: { partner?: boolean } = {}): Promise<Caller> {
      const actor = await actorOf(req);
      const group = groupOf(actor);
      let partnerId: number | null = null;
      if (needsPartner(group) && opts.partner !== false) {
        const p = await scopes.of(actor.userId);
        partnerId = group === 'owner' ? p.owned : p.employed;
      }
      return { actor, userId: actor.userId, group, partnerId };
    },

    /** Ends every back-office session of a user (an admin's "blacklist this user's tokens"). */
    async blacklistUser(userId: string): Promise<number> {
      const sessions = (await svc.listSessions(userId)).filter((s) => s.client === CLIENT);
      for (const s of sessions) await svc.endSession(s.id, 'blacklisted');
      return sessions.length;
    },
  };
}

export type BackofficeAuth = ReturnType<typeof createAuth>;

/** scheme://host[:port] of a URL, default ports dropped (as browsers send Origin); "null" stays "null". */
function originOf(url: string): string {
  try {
    const o = new URL(url).origin;
    return o === 'null' ? url : o;
  } catch {
    return url;
  }
}
