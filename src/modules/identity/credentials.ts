import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import { scopeAllows } from './identity.scopes.js';
import type { Actor, CredentialKind, IdentityService } from './identity.service.js';

export interface ResolveOptions {
  /** Credential kinds the route accepts (default: all). */
  accept?: CredentialKind[];
  /** Cookie holding an access token (the backoffice's `access_token`). */
  cookieName?: string;
  /** The module an API key must be scoped for (default: the module that mounted the route). */
  module?: string;
  /**
   * The services an access token must have been issued to (its `azp`): identity's own routes take identity's
   * short-lived tokens, not a module's (the wishlist's live a day). Default: any.
   */
  clients?: string[];
  /** An API key given otherwise than in the header (a websocket's query or first message); checked the same. */
  apiKey?: string;
}

export interface Credential {
  kind: CredentialKind;
  value: string;
}

/**
 * Finds the credential in a request: `Authorization: Bearer <jwt>`, `Authorization: session_id <id>`,
 * an `api-key` header, or an access-token cookie. A present but unreadable one is AUTH_MALFORMED.
 */
export function credentialOf(req: FastifyRequest, opts: ResolveOptions = {}): Credential | undefined {
  const accept = opts.accept ?? ['bearer', 'session', 'apikey', 'cookie'];
  const auth = req.headers.authorization;
  if (auth !== undefined && (accept.includes('bearer') || accept.includes('session'))) {
    const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(auth);
    const scheme = m?.[1]?.toLowerCase();
    if (m && scheme === 'bearer' && accept.includes('bearer')) return { kind: 'bearer', value: m[2]! };
    if (m && scheme === 'session_id' && accept.includes('session')) return { kind: 'session', value: m[2]! };
    throw new AppError('AUTH_MALFORMED', 401, 'Authorization header is malformed or uses an unsupported scheme');
  }
  const key = req.headers['api-key'];
  if (key !== undefined && accept.includes('apikey')) {
    const value = Array.isArray(key) ? key[0] : key;
    if (!value) throw new AppError('AUTH_MALFORMED', 401, 'api-key header is empty');
    return { kind: 'apikey', value };
  }
  if (opts.cookieName && accept.includes('cookie')) {
    const value = cookieValue(req.headers.cookie, opts.cookieName);
    if (value) return { kind: 'cookie', value };
  }
  return undefined;
}

/** Resolves a request to its actor, or throws a typed 401 (AUTH_MISSING, TOKEN_*, SESSION_*, API_KEY_INVALID). */
export async function resolveActor(
  service: IdentityService,
  req: FastifyRequest,
  opts: ResolveOptions = {},
): Promise<Actor> {
  const cred: Credential | undefined = opts.apiKey ? { kind: 'apikey', value: opts.apiKey } : credentialOf(req, opts);
  if (!cred) throw new AppError('AUTH_MISSING', 401, 'Authentication credentials were not provided.');
  switch (cred.kind) {
    case 'bearer':
    case 'cookie': {
      const actor = await service.resolveAccessToken(cred.value, cred.kind);
      const azp = actor.claims?.azp;
      if (opts.clients && !(typeof azp === 'string' && opts.clients.includes(azp)))
        throw new AppError('TOKEN_INVALID', 401, 'This token was issued to another service');
      return actor;
    }
    case 'session':
      return service.resolveSessionId(cred.value);
    case 'apikey': {
      const actor = await service.resolveApiKey(cred.value);
      const module = opts.module ?? req.routeOptions.config?.module;
      if (!module || !scopeAllows(actor.scopes ?? [], module, req.method)) {
        const needed = `${module ?? 'this route'}:${['GET', 'HEAD', 'OPTIONS'].includes(req.method) ? 'read' : 'write'}`;
        throw new AppError('API_KEY_SCOPE', 403, `API key lacks the scope ${needed}`);
      }
      return actor;
    }
  }
}

/**
 * One cookie's value from a Cookie header (RFC 6265), parsed only when a route accepts cookie credentials;
 * the first occurrence wins, as in browsers and the `cookie` package. A bad %-escape leaves the value as sent.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}
