import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { PlatformContext } from '../../platform/context.js';
import { IDP_CLIENT, type Actor, type IdentityApi, type UserRow } from '../identity/index.js';

const SESSION_COOKIE = 'agora_admin';
/** Random per browser before sign-in: the login form's CSRF token is bound to it. */
const LOGIN_COOKIE = 'agora_admin_login';
const FLASH_COOKIE = 'agora_admin_flash';

export interface AdminCaller {
  actor: Actor;
  /** The form token of this session ('' for callers that sign each request with an Authorization header). */
  csrf: string;
}

const digest = (seed: string) => createHash('sha256').update(`agora-admin-csrf:${seed}`).digest('base64url');
const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * The panel's sign-in state. The session is an identity login session (client `admin`) whose secret lives in
 * an HttpOnly, SameSite=Lax cookie (Secure in production), so ending a user's sessions in identity signs them out
 * here too. The CSRF token of every form is a hash of that secret: unguessable without the cookie, nothing stored.
 */
export function adminSessions(ctx: PlatformContext, identity: IdentityApi, base: string) {
  const secure = ctx.config.AGORA_ENV === 'production' ? '; Secure' : '';
  const path = base || '/';
  const cookie = (name: string, value: string, maxAge: number) =>
    `${name}=${encodeURIComponent(value)}; Path=${path}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`;
  const read = (req: FastifyRequest, name: string) =>
    identity.credentialOf(req, { cookieName: name, accept: ['cookie'] })?.value;
  const appendCookie = (reply: FastifyReply, value: string) => {
    const prior = reply.getHeader('set-cookie');
    const list = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
    void reply.header('set-cookie', [...list, value]);
  };

  return {
    /** The signed-in caller, or undefined (no session, or it ended). An Authorization header must be valid. */
    async callerOf(req: FastifyRequest): Promise<AdminCaller | undefined> {
      // Scripts may sign each request with an identity access token instead of the cookie; never with a
      // messenger session or another module's token, which would make them keys to the whole panel.
      if (req.headers.authorization !== undefined) {
        return { actor: await identity.resolve(req, { accept: ['bearer'], clients: [IDP_CLIENT] }), csrf: '' };
      }
      const secret = read(req, SESSION_COOKIE);
      if (!secret) return undefined;
      try {
        return { actor: await identity.service.resolveSessionId(secret), csrf: digest(secret) };
      } catch (err) {
        if (err instanceof AppError && err.status === 401) return undefined;
        throw err;
      }
    },

    /** Refuses a cookie-authenticated form post whose `_csrf` field is not this session's token. */
    checkCsrf(caller: AdminCaller, body: unknown) {
      if (!caller.csrf) return;
      const sent = (body as Record<string, unknown> | undefined)?._csrf;
      if (typeof sent !== 'string' || !same(sent, caller.csrf)) throw csrfRefused();
    },

    /** The login form's token, setting the browser's login cookie when it has none. */
    loginToken(req: FastifyRequest, reply: FastifyReply): string {
      let seed = read(req, LOGIN_COOKIE);
      if (!seed) {
        seed = ctx.clock.token(24);
        appendCookie(reply, cookie(LOGIN_COOKIE, seed, 3600));
      }
      return digest(seed);
    },

    checkLoginCsrf(req: FastifyRequest, sent: unknown) {
      const seed = read(req, LOGIN_COOKIE);
      if (!seed || typeof sent !== 'string' || !same(sent, digest(seed))) throw csrfRefused();
    },

    async signIn(req: FastifyRequest, reply: FastifyReply, user: UserRow) {
      const { sessionId } = await identity.service.openSession(user, {
        client: 'admin',
        ip: req.ip,
        userAgent: String(req.headers['user-agent'] ?? '').slice(0, 300),
      });
      appendCookie(reply, cookie(SESSION_COOKIE, sessionId, ctx.config.SESSION_TTL));
      appendCookie(reply, cookie(LOGIN_COOKIE, '', 0));
    },

    async signOut(reply: FastifyReply, caller: AdminCaller) {
      if (caller.csrf && caller.actor.sessionId) await identity.service.endSession(caller.actor.sessionId, 'logout');
      appendCookie(reply, cookie(SESSION_COOKIE, '', 0));
    },

    /** A message for the next page (after a redirect). */
    flash(reply: FastifyReply, message: string) {
      appendCookie(reply, cookie(FLASH_COOKIE, message.slice(0, 300), 60));
    },

    takeFlash(req: FastifyRequest, reply: FastifyReply): string | undefined {
      const message = read(req, FLASH_COOKIE);
      if (message) appendCookie(reply, cookie(FLASH_COOKIE, '', 0));
      return message || undefined;
    },
  };
}

export type AdminSessions = ReturnType<typeof adminSessions>;

export const csrfRefused = () =>
  new AppError(
    'CSRF_FAILED',
    403,
    'The form has expired or did not come from this site. Reload the page and try again.',
  );
