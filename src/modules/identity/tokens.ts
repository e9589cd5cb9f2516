import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPublicKey, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { SignJWT, errors as joseErrors, exportJWK, importPKCS8, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Config } from '../../config.js';
import { AppError } from '../../platform/errors.js';

export interface AccessClaims extends JWTPayload {
  sub: string;
  sid: string;
  jti: string;
  typ: 'Bearer' | 'Refresh';
  azp?: string;
  roles?: string[];
  preferred_username?: string;
  email?: string | null;
  [extra: string]: unknown;
}

export interface TokenSigner {
  sign(claims: Record<string, unknown>, ttlSeconds: number, nowSeconds: number): Promise<string>;
  /** Verifies signature, issuer, audience and expiry; throws TOKEN_EXPIRED or TOKEN_INVALID. */
  verify(token: string): Promise<AccessClaims>;
  jwks(): { keys: JWK[] };
}

/**
 * Development without JWT_SECRET: a random secret is made once and kept in DATA_DIR, so tokens survive restarts.
 * Production refuses to start without a configured secret (see config.ts).
 */
function devSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Tokens whose signature this process has checked (a few hundred bytes each). */
const VERIFIED_TOKENS = 20_000;

export async function createSigner(config: Config): Promise<TokenSigner> {
  const alg = config.JWT_ALGORITHM;
  let signKey: Awaited<ReturnType<typeof importPKCS8>> | Uint8Array;
  let verifyKey: Uint8Array | ReturnType<typeof createPublicKey>;
  let publicJwk: JWK | undefined;
  let kid: string | undefined;
  if (config.JWT_PRIVATE_KEY_FILE) {
    const pem = readFileSync(config.JWT_PRIVATE_KEY_FILE, 'utf8');
    signKey = await importPKCS8(pem, alg);
    verifyKey = createPublicKey(pem);
    publicJwk = await exportJWK(verifyKey);
    kid = 'agora-1';
    publicJwk = { ...publicJwk, kid, alg, use: 'sig' };
  } else {
    const secret = config.JWT_SECRET || devSecret(config.DATA_DIR);
    signKey = verifyKey = new TextEncoder().encode(secret);
  }
  const verified = new LRUCache<string, AccessClaims>({ max: VERIFIED_TOKENS });
  return {
    async sign(claims, ttlSeconds, nowSeconds) {
      return new SignJWT(claims)
        .setProtectedHeader(kid ? { alg, kid, typ: 'JWT' } : { alg, typ: 'JWT' })
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + Math.max(1, Math.round(ttlSeconds)))
        .sign(signKey);
    },
    async verify(token) {
      // A token's signature, issuer and audience never change: each is checked once per process, then only its
      // expiry (revocation is the session's business, checked on every request by the resolver).
      const known = verified.get(token);
      if (known) {
        if ((known.exp ?? Infinity) <= Math.floor(Date.now() / 1000)) {
          verified.delete(token);
          throw new AppError('TOKEN_EXPIRED', 401, 'Token has expired');
        }
        return known;
      }
      try {
        const { payload } = await jwtVerify(token, verifyKey, {
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          algorithms: [alg],
        });
        if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.jti !== 'string') {
          throw new AppError('TOKEN_INVALID', 401, 'Token is missing required claims');
        }
        verified.set(token, payload as AccessClaims);
        return payload as AccessClaims;
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (err instanceof joseErrors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 401, 'Token has expired');
        throw new AppError('TOKEN_INVALID', 401, 'Token is invalid');
      }
    },
    jwks: () => ({ keys: publicJwk ? [publicJwk] : [] }),
  };
}
