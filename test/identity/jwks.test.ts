import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { bearer, registerAndLogin } from '../helpers/identity.js';

describe('identity: asymmetric signing with a published JWKS', () => {
  let agora: Agora;
  beforeAll(async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = join(mkdtempSync(join(tmpdir(), 'agora-key-')), 'jwt.pem');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    agora = await testApp({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: file });
  });
  afterAll(async () => agora.app.close());

  it('signs RS256 tokens that verify against /idp/.well-known/jwks.json', async () => {
    const u = await registerAndLogin(agora);
    const jwks = (await agora.app.inject({ url: '/idp/.well-known/jwks.json' })).json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: 'agora-1' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const { payload, protectedHeader } = await jwtVerify(u.access, createLocalJWKSet(jwks), {
      issuer: 'agora',
      audience: 'agora',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: u.id, preferred_username: u.username, typ: 'Bearer' });
    expect((await agora.app.inject({ url: '/idp/api/v1/users/me', headers: bearer(u.access) })).statusCode).toBe(200);
  });

  it('refuses an HS256 token forged with the public key as the secret', async () => {
    const { SignJWT } = await import('jose');
    const jwks = (await agora.app.inject({ url: '/idp/.well-known/jwks.json' })).json();
    const forged = await new SignJWT({ sub: 'x', sid: 'y', jti: 'z', typ: 'Bearer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('agora')
      .setAudience('agora')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    expect((await agora.app.inject({ url: '/idp/api/v1/users/me', headers: bearer(forged) })).statusCode).toBe(401);
  });
});
