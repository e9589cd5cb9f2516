import * as oidc from 'openid-client';
import type { Config } from '../../config.js';
import { vkIdProvider } from './identity.federation.vk-id.js';
import { AppError } from '../../platform/errors.js';

/** What identity learns about a person from an external provider. */
export interface ExternalProfile {
  /** The provider's stable id of the person (`sub`; VK ID's user_id). */
  subject: string;
  email: string | null;
  /** Whether the provider vouches that the person owns `email` (OIDC `email_verified`). */
  emailVerified: boolean;
  /** A name to derive a username from, when the email gives none. */
  nickname?: string;
  firstName: string;
  lastName: string;
}

export interface ExternalProvider {
  name: string;
  /** OIDC providers get a `nonce` and their ID token checked; OAuth-only providers do not. */
  usesNonce: boolean;
  authorizationUrl(p: { redirectUri: string; state: string; codeChallenge: string; nonce?: string }): Promise<URL>;
  /** Finishes the code flow from the callback URL: code + PKCE for tokens, then who the person is. */
  complete(p: {
    callbackUrl: URL;
    redirectUri: string;
    state: string;
    codeVerifier: string;
    nonce?: string;
  }): Promise<ExternalProfile>;
}

const TIMEOUT_SECONDS = 10;

/**
 * An OpenID Connect provider found by discovery (Google's preset). openid-client checks the ID token: signature
 * against the provider's JWKS (non-repudiation checks on), `iss`, `aud`, `exp`, `iat` and `nonce`.
 */
function oidcProvider(
  name: string,
  o: { issuer: string; clientId: string; clientSecret: string; scopes: string; insecure: boolean },
): ExternalProvider {
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oidc
      .discovery(
        new URL(o.issuer),
        o.clientId,
        o.clientSecret ? { client_secret: o.clientSecret } : {},
        o.clientSecret ? oidc.ClientSecretPost(o.clientSecret) : oidc.None(),
        {
          timeout: TIMEOUT_SECONDS,
          execute: [oidc.enableNonRepudiationChecks, ...(o.insecure ? [oidc.allowInsecureRequests] : [])],
        },
      )
      .catch((err: unknown) => {
        discovered = undefined; // the next login tries again
        throw err;
      });
    return discovered;
  };
  return {
    name,
    usesNonce: true,
    async authorizationUrl({ redirectUri, state, codeChallenge, nonce }) {
      return oidc.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        scope: o.scopes,
        state,
        nonce: nonce!,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      });
    },
    async complete({ callbackUrl, redirectUri, state, codeVerifier, nonce }) {
      const config = await configuration();
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true },
        { redirect_uri: redirectUri },
      );
      let claims: Record<string, unknown> = { ...tokens.claims()! };
      // Providers that keep the ID token lean (conformIdTokenClaims) give email and names at userinfo.
      if (typeof claims.email !== 'string' && config.serverMetadata().userinfo_endpoint) {
        claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub))), ...claims };
      }
      const text = (v: unknown) => (typeof v === 'string' ? v : '');
      return {
        subject: String(claims.sub),
        email: text(claims.email) || null,
        emailVerified: claims.email_verified === true,
        nickname: text(claims.preferred_username) || text(claims.given_name) || undefined,
        firstName: text(claims.given_name),
        lastName: text(claims.family_name),
      };
    },
  };
}

/** The configured providers by name (those with a client id); Google and VK ID are presets. */
export function providersFromConfig(config: Config): Map<string, ExternalProvider> {
  // Plain-HTTP providers are for development and tests only (config.ts refuses them in production).
  const insecure = config.AGORA_ENV !== 'production';
  const out = new Map<string, ExternalProvider>();
  if (config.OAUTH_GOOGLE_CLIENT_ID) {
    out.set(
      'google',
      oidcProvider('google', {
        issuer: config.OAUTH_GOOGLE_ISSUER,
        clientId: config.OAUTH_GOOGLE_CLIENT_ID,
        clientSecret: config.OAUTH_GOOGLE_CLIENT_SECRET,
        scopes: config.OAUTH_GOOGLE_SCOPES,
        insecure,
      }),
    );
  }
  if (config.OAUTH_VK_CLIENT_ID) {
    out.set(
      'vk',
      vkIdProvider({
        clientId: config.OAUTH_VK_CLIENT_ID,
        clientSecret: config.OAUTH_VK_CLIENT_SECRET,
        scopes: config.OAUTH_VK_SCOPES,
        authorizationUrl: config.OAUTH_VK_AUTHORIZATION_URL,
        tokenUrl: config.OAUTH_VK_TOKEN_URL,
        userInfoUrl: config.OAUTH_VK_USERINFO_URL,
        insecure,
        timeoutSeconds: TIMEOUT_SECONDS,
      }),
    );
  }
  return out;
}

/**
 * A failure talking to a provider as identity's error: anything the provider said or sent that fails the
 * checks is a 400 (nothing is created); a provider that cannot be reached is a 502. Anything else (a bug) is
 * returned as it was.
 */
export function providerFailure(err: unknown, provider: string): unknown {
  if (err instanceof AppError) return err;
  if (err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError) {
    const why = err.error_description ? `${err.error}: ${err.error_description}` : err.error;
    return new AppError('OAUTH_PROVIDER_ERROR', 400, `${provider} refused the login (${why})`);
  }
  if (err instanceof oidc.ClientError || err instanceof oidc.WWWAuthenticateChallengeError) {
    const cause = (err.cause as { message?: unknown } | undefined)?.message;
    const why = typeof cause === 'string' && cause !== err.message ? `${err.message} (${cause})` : err.message;
    return new AppError('OAUTH_PROVIDER_ERROR', 400, `${provider}'s answer failed the checks: ${why}`);
  }
  const e = err as { name?: string; message?: string };
  if (
    e?.name === 'TimeoutError' ||
    e?.name === 'AbortError' ||
    (err instanceof TypeError && e.message === 'fetch failed')
  ) {
    return new AppError('OAUTH_PROVIDER_UNREACHABLE', 502, `${provider} could not be reached; try again later`);
  }
  if (err instanceof SyntaxError) {
    return new AppError('OAUTH_PROVIDER_ERROR', 400, `${provider} answered with malformed data`);
  }
  return err;
}
