import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Agora } from '../../src/app.js';
import { testConfig, unique, type ConfigValues } from '../helpers/app.js';
import { testDatabase } from '../helpers/db.js';
import { registerAndLogin } from '../helpers/identity.js';
import { authorizationRequest, freePort, relyingParty, signInOnAgora } from './providers/agora-op.js';
import { deliver, startLogin, throughProvider } from './providers/browser.js';
import { googleLike } from './providers/google-like.js';

/** A round-robin load balancer: request n goes to instance n mod 2. */
function balancer(port: number, targets: number[]) {
  const served = targets.map(() => 0);
  let next = 0;
  const server = createServer((req, res) => {
    const i = next++ % targets.length;
    served[i]!++;
    const upstream = request(
      { host: '127.0.0.1', port: targets[i], method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  return new Promise<{ server: Server; served: number[] }>((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve({ server, served })),
  );
}

/**
 * Two Agora instances on one database behind a load balancer: every step of a login may land on either, so the
 * OpenID provider's sessions, interactions, grants and tokens, and federation's states, must live in the
 * database, and the signing and cookie keys come from the shared configuration.
 */
describe('identity federation and the OpenID provider across two instances', () => {
  let a: Agora;
  let b: Agora;
  let lb: Awaited<ReturnType<typeof balancer>>;
  let issuer: string;
  let google: Awaited<ReturnType<typeof googleLike>>;

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    issuer = `${base}/idp`;
    google = await googleLike({
      clientId: 'agora',
      clientSecret: 'google-client-secret',
      redirectUri: `${issuer}/api/v1/auth/google/endpoint`,
    });
    const keyFile = join(mkdtempSync(join(tmpdir(), 'agora-key-')), 'key.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const values: ConfigValues = {
      PUBLIC_URL: base,
      JWT_PRIVATE_KEY_FILE: keyFile,
      JWT_ALGORITHM: 'RS256',
      OAUTH_GOOGLE_CLIENT_ID: 'agora',
      OAUTH_GOOGLE_CLIENT_SECRET: 'google-client-secret',
      OAUTH_GOOGLE_ISSUER: google.issuer,
    };
    const { database } = await testDatabase();
    a = await buildApp(testConfig(values), { database });
    b = await buildApp(testConfig(values), { database });
    await a.app.listen({ port: 0, host: '127.0.0.1' });
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    const ports = [a, b].map((x) => (x.app.server.address() as AddressInfo).port);
    lb = await balancer(port, ports);
  });
  afterAll(async () => {
    lb?.server.close();
    await a?.app.close();
    await b?.app.close();
    await google?.close();
  });

  it('an OpenID login whose every request alternates between the instances: tokens, userinfo, refresh', async () => {
    const user = await registerAndLogin(a);
    const rp = await relyingParty(a, issuer);
    const { url, checks } = await authorizationRequest(rp.config, rp.redirectUri);
    const before = [...lb.served];
    const callback = await signInOnAgora(url, rp.redirectUri, { login: user.username, password: user.password });
    const tokens = await oidc.authorizationCodeGrant(rp.config, callback, checks);
    expect(tokens.claims()).toMatchObject({ sub: user.id, iss: issuer });
    // the ID token is signed with JWT_PRIVATE_KEY_FILE's key, under the kid identity's JWKS also publishes
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString());
    expect(header).toMatchObject({ alg: 'RS256', kid: 'agora-1' });
    const jwks = await a.app.inject({ url: '/idp/.well-known/jwks.json' });
    expect(jwks.json().keys[0].kid).toBe('agora-1');
    expect(await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id)).toMatchObject({ sub: user.id });
    expect((await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).access_token).toBeTruthy();
    expect(lb.served[0]! - before[0]!).toBeGreaterThan(2);
    expect(lb.served[1]! - before[1]!).toBeGreaterThan(2);
  });

  it('an external login started on one instance finishes on the other (state in the database)', async () => {
    google.behaviour.person = { sub: unique('g'), email: `${unique('g')}@gmail.test`, email_verified: true };
    const { url, cookie } = await startLogin(a, 'google');
    const callback = await throughProvider(url, issuer);
    const res = await deliver(b, callback, cookie);
    expect(res.statusCode, res.body).toBe(200);
    // and the state is used up for both
    expect((await deliver(a, callback, cookie)).statusCode).toBe(400);
  });
});
