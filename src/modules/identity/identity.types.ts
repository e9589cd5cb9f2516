import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Jobs } from '../../platform/jobs/index.js';
import type { RateLimiter } from '../../platform/ratelimit/rate-limiter.js';
import type { PasswordHasher } from './passwords.js';
import type { AccessClaims, TokenSigner } from './tokens.js';

export type CredentialKind = 'bearer' | 'cookie' | 'session' | 'apikey';

/** Who is calling, however they authenticated. Cached per credential; every module reads it. */
export interface Actor {
  userId: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  isSuperuser: boolean;
  roles: string[];
  permissions: string[];
  /** The login session (absent for API keys). */
  sessionId?: string;
  apiKeyId?: string;
  /** An API key's scopes (see identity.scopes.ts); interactive credentials have none and are not scoped. */
  scopes?: string[];
  /** When the session ends (ms since epoch); a cached actor is never served past it. */
  expiresAt?: number;
  via: CredentialKind;
  /** Extra claims of the access token (modules issuing their own token flavours read them). */
  claims?: AccessClaims;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  accessTtl: number;
  refreshTtl: number;
  sessionId: string;
}

export interface SessionMeta {
  /** The endpoint family the session belongs to ('idp', 'wishlist', 'backoffice', …); its refresh tokens work only there. */
  client?: string;
  ip?: string;
  userAgent?: string;
}

export interface IssueOptions extends SessionMeta {
  accessTtl?: number;
  refreshTtl?: number;
  /** Extra claims, e.g. SimpleJWT's token_type/user_id for the wishlist. */
  accessClaims?: Record<string, unknown>;
  refreshClaims?: Record<string, unknown>;
}

export interface IdentityDeps {
  db: Db;
  config: Config;
  cache: Cache;
  limiter: RateLimiter;
  clock: Clock;
  hasher: PasswordHasher;
  signer: TokenSigner;
  /** Where identity's events (`identity.user.renamed`) are published, in the transaction of the change. */
  jobs?: Pick<Jobs, 'publish' | 'wake'>;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The constraint a unique violation names, looked up through wrapped errors (Drizzle wraps the driver's). */
export const isUniqueViolation = (err: unknown): string | undefined => {
  for (let e = err as { code?: string; constraint?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return e.constraint ?? 'unique';
  }
  return undefined;
};
