import { createHmac, createPrivateKey, generateKeyPair, type JsonWebKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../../config.js';

export interface OidcKeys {
  /** The private JWK that signs ID tokens (published, public part only, at the provider's jwks endpoint). */
  signing: JsonWebKey & { kid: string; alg: string; use: 'sig' };
  /** Keys that sign the provider's cookies; the same on every instance that shares the configuration. */
  cookies: string[];
}

const algOf = (jwk: JsonWebKey) => {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  throw new Error('JWT_PRIVATE_KEY_FILE must hold an RSA or P-256 EC key to sign OpenID tokens');
};
const derive = (material: string) => createHmac('sha256', material).update('agora oidc cookies').digest('base64url');

/**
 * The OpenID provider's keys: JWT_PRIVATE_KEY_FILE when configured (the key that also signs identity's access
 * tokens, under the same kid); otherwise, in development only, an RSA key made once and kept in DATA_DIR so
 * tokens survive restarts (as tokens.ts does for the HS256 secret). Production without a key refuses to start.
 */
export async function oidcKeys(config: Config): Promise<OidcKeys> {
  if (config.JWT_PRIVATE_KEY_FILE) {
    const pem = readFileSync(config.JWT_PRIVATE_KEY_FILE, 'utf8');
    const jwk = createPrivateKey(pem).export({ format: 'jwk' });
    return { signing: { ...jwk, kid: 'agora-1', alg: algOf(jwk), use: 'sig' }, cookies: [derive(pem)] };
  }
  if (config.AGORA_ENV === 'production') {
    throw new Error('The OpenID provider needs JWT_PRIVATE_KEY_FILE in production (or set OIDC_PROVIDER=off)');
  }
  const file = join(config.DATA_DIR, 'oidc-signing-key.json');
  if (!existsSync(file)) {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    mkdirSync(dirname(file), { recursive: true });
    try {
      // 'wx': of processes sharing DATA_DIR that start together, the first key written is everyone's.
      writeFileSync(file, JSON.stringify(privateKey.export({ format: 'jwk' })), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const jwk = JSON.parse(readFileSync(file, 'utf8')) as JsonWebKey;
  const kid = `agora-dev-${derive(String(jwk.n)).slice(0, 8)}`;
  return {
    signing: { ...jwk, kid, alg: algOf(jwk), use: 'sig' },
    cookies: [derive(config.JWT_SECRET || String(jwk.d))],
  };
}
