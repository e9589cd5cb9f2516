import * as oidc from 'openid-client';
import { AppError } from '../../platform/errors.js';
import type { ExternalProvider } from './identity.federation.providers.js';

/**
 * VK ID: OAuth 2.1 with PKCE (S256) and its own user endpoint. The token request carries the `device_id`
 * VK sends to the callback; the person comes from `user_info` (POST client_id + access_token). VK's email
 * is not vouched for as OIDC's `email_verified` is, so it is never treated as verified.
 */
export function vkIdProvider(
  o: {
    clientId: string;
    clientSecret: string;
    scopes: string;
    authorizationUrl: string;
    tokenUrl: string;
    userInfoUrl: string;
    insecure: boolean;
    timeoutSeconds: number;
  },
  name = 'vk',
): ExternalProvider {
  const server: oidc.ServerMetadata = {
    issuer: new URL(o.authorizationUrl).origin,
    authorization_endpoint: o.authorizationUrl,
    token_endpoint: o.tokenUrl,
  };
  const config = new oidc.Configuration(
    server,
    o.clientId,
    o.clientSecret ? { client_secret: o.clientSecret } : {},
    o.clientSecret ? oidc.ClientSecretPost(o.clientSecret) : oidc.None(),
  );
  config.timeout = o.timeoutSeconds;
  if (o.insecure) oidc.allowInsecureRequests(config);
  // VK's token answer carries an `id_token` without discovery or published keys to check it against; the person
  // is read from user_info instead, so it is dropped before openid-client validates the answer.
  config[oidc.customFetch] = async (url, options) => {
    const res = await fetch(url, options);
    if (url !== o.tokenUrl || !res.ok) return res;
    const body = (await res.json()) as Record<string, unknown>;
    delete body.id_token;
    return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
  };
  return {
    name,
    usesNonce: false,
    async authorizationUrl({ redirectUri, state, codeChallenge }) {
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: o.scopes,
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      });
    },
    async complete({ callbackUrl, redirectUri, state, codeVerifier }) {
      const deviceId = callbackUrl.searchParams.get('device_id') ?? '';
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        { pkceCodeVerifier: codeVerifier, expectedState: state },
        { redirect_uri: redirectUri, device_id: deviceId, state },
      );
      if (tokens.state !== undefined && tokens.state !== state) {
        throw new AppError('OAUTH_PROVIDER_ERROR', 400, 'VK ID answered for another login (state mismatch)');
      }
      const res = await fetch(o.userInfoUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ client_id: o.clientId, access_token: tokens.access_token }),
        signal: AbortSignal.timeout(o.timeoutSeconds * 1000),
      });
      const body = (await res.json().catch(() => ({}))) as {
        user?: { user_id?: unknown; email?: unknown; first_name?: unknown; last_name?: unknown };
        error?: unknown;
        error_description?: unknown;
      };
      const user = body.user;
      if (!res.ok || !user || (typeof user.user_id !== 'string' && typeof user.user_id !== 'number')) {
        const why = typeof body.error === 'string' ? body.error : `status ${res.status}`;
        throw new AppError('OAUTH_PROVIDER_ERROR', 400, `VK ID user_info failed: ${why}`);
      }
      const text = (v: unknown) => (typeof v === 'string' ? v : '');
      return {
        subject: String(user.user_id),
        email: text(user.email) || null,
        emailVerified: false,
        firstName: text(user.first_name),
        lastName: text(user.last_name),
      };
    },
  };
}
