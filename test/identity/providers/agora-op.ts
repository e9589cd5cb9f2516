import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { expect } from 'vitest';
import type { Agora } from '../../../src/app.js';
import { testApp, type ConfigValues } from '../../helpers/app.js';
import { Jar, visit } from './browser.js';

/** A port free right now (the app's issuer URL must be known before it listens). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Agora listening on a real port, its issuer being that address: `<base>/idp`. */
export async function listeningAgora(values: ConfigValues = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const agora: Agora = await testApp({ PUBLIC_URL: base, PORT: String(port), ...values });
  await agora.app.listen({ port, host: '127.0.0.1' });
  return { agora, base, issuer: `${base}/idp` };
}

/** A relying party registered with Agora, as openid-client sees it. */
export async function relyingParty(agora: Agora, issuer: string, redirectUri = 'http://rp.test/callback') {
  const client = await agora.identity.oidcClients!.create({ name: 'Test RP', redirectUris: [redirectUri] });
  const config = await oidc.discovery(
    new URL(issuer),
    client.client_id,
    undefined,
    oidc.ClientSecretBasic(client.client_secret!),
    { execute: [oidc.allowInsecureRequests] },
  );
  return { client, config, redirectUri };
}

/** An authorization request with PKCE, state and nonce, and what its callback must be checked against. */
export async function authorizationRequest(config: oidc.Configuration, redirectUri: string, extra = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, checks: { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce } };
}

/**
 * The browser on Agora's pages without a browser: follows redirects, fills the login form, allows on the consent
 * page, and returns the redirect to the client's callback.
 */
export async function signInOnAgora(
  start: URL,
  redirectUri: string,
  who: { login: string; password: string },
  jar = new Jar(),
): Promise<URL> {
  let url = start;
  let form: { action: string; body?: URLSearchParams } | undefined;
  for (let hop = 0; hop < 15; hop++) {
    if (url.href.startsWith(redirectUri)) return url;
    const res = form
      ? await visit(new URL(form.action, url), jar, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.body ?? '',
        })
      : await visit(url, jar);
    form = undefined;
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url);
      continue;
    }
    const html = await res.text();
    expect(res.status, html).toBe(200);
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
    if (!action) throw new Error(`no form on ${url.pathname}: ${html.slice(0, 300)}`);
    form = action.endsWith('/login')
      ? { action, body: new URLSearchParams({ login: who.login, password: who.password }) }
      : { action };
  }
  throw new Error('too many steps');
}
