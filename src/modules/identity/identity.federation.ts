import * as oidc from 'openid-client';
import { AppError, notFound } from '../../platform/errors.js';
import { federationRepository as fed } from './identity.federation.repository.js';
import { federatedAccounts } from './identity.federation.accounts.js';
import {
  providerFailure,
  providersFromConfig,
  type ExternalProfile,
  type ExternalProvider,
} from './identity.federation.providers.js';
import { identityPublicUrl } from './identity.public-url.js';
import type { IdentityService } from './identity.service.js';
import { sha256, type IdentityDeps } from './identity.types.js';

/** How long a login may stay at the provider before its state expires. */
export const STATE_TTL = 10 * 60;
/** How long the one-time code of a front-end redirect lives. */
const LOGIN_CODE_TTL = 60;
/** Browser-binding cookie values are 32 random bytes, base64url. */
const BROWSER = /^[\w-]{43}$/;

/**
 * Identity federation: sign in with an external provider (authorization code + PKCE S256, a single-use
 * `state` bound to the browser by a cookie, a `nonce` for OIDC), one-time codes for front ends, and the
 * accounts side (first login creates a user; linking; unlinking) in identity.federation-accounts.ts.
 */
export function federationService(deps: IdentityDeps, service: IdentityService) {
  const { db, config, clock } = deps;
  const providers = providersFromConfig(config);
  const accounts = federatedAccounts(deps, service);
  const after = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);

  const providerNamed = (name: string): ExternalProvider => {
    const p = providers.get(name);
    if (!p) throw notFound('Unknown identity provider');
    return p;
  };
  const redirectUri = (name: string) => `${identityPublicUrl(config)}/api/v1/auth/${name}/endpoint`;
  const badLogin = (message: string) => new AppError('OAUTH_STATE_INVALID', 400, message);

  return {
    providerNames: () => [...providers.keys()],
    redirectUri,
    ...accounts,

    /**
     * Starts a login (or, with `linkUserId`, the linking of an identity to a signed-in user): the provider URL
     * to send the browser to, and the browser-binding cookie value (the caller's own when it has a valid one).
     */
    async start(name: string, opts: { browser?: string; linkUserId?: string } = {}) {
      const provider = providerNamed(name);
      const browser = opts.browser && BROWSER.test(opts.browser) ? opts.browser : clock.token(32);
      const state = oidc.randomState();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const nonce = provider.usesNonce ? oidc.randomNonce() : undefined;
      const url = await provider
        .authorizationUrl({
          redirectUri: redirectUri(name),
          state,
          nonce,
          codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        })
        .catch((err: unknown) => {
          throw providerFailure(err, name);
        });
      await fed.insertState(db, {
        stateHash: sha256(state),
        provider: name,
        browserHash: sha256(browser),
        codeVerifier,
        nonce: nonce ?? null,
        linkUserId: opts.linkUserId ?? null,
        expiresAt: after(STATE_TTL),
      });
      return { url: url.toString(), browser };
    },

    /**
     * The provider's redirect back. The state must be live, unused, of this provider and of this browser; it is
     * used up whatever happens next. Then code + PKCE, the provider's checks, and the account rules.
     * Errors: 400 (state, provider error, failed checks — nothing is created), 409 (linking needed), 502.
     */
    async callback(name: string, rawQuery: string, browser: string | undefined) {
      const provider = providerNamed(name);
      const state = new URLSearchParams(rawQuery).get('state');
      if (!state) throw badLogin('The callback has no state');
      if (!browser) throw badLogin('This login was not started in this browser (its cookie is missing)');
      const row = await fed.useState(db, sha256(state), clock.now());
      if (!row) throw badLogin('Unknown, expired or already used state; start the login again');
      if (row.provider !== name || row.browserHash !== sha256(browser)) {
        throw badLogin('This login was started for another provider or in another browser');
      }
      const callbackUrl = new URL(redirectUri(name));
      callbackUrl.search = rawQuery;
      let profile: ExternalProfile;
      try {
        profile = await provider.complete({
          callbackUrl,
          redirectUri: redirectUri(name),
          state,
          codeVerifier: row.codeVerifier,
          nonce: row.nonce ?? undefined,
        });
      } catch (err) {
        throw providerFailure(err, name);
      }
      return accounts.signInWith(name, profile, row.linkUserId ?? undefined);
    },

    /** A one-time code (single-use, 60 s) a front end exchanges for the Token: no token ever goes in a URL. */
    async loginCode(userId: string, provider: string) {
      const code = clock.token(32);
      await fed.insertTicket(db, {
        ticketHash: sha256(code),
        kind: 'login',
        userId,
        provider,
        subject: '',
        expiresAt: after(LOGIN_CODE_TTL),
      });
      return code;
    },

    /** The user a one-time code was issued for; the code is used up. */
    async redeemLoginCode(code: string) {
      const ticket = await fed.useTicket(db, sha256(code), 'login', clock.now());
      const user = ticket?.userId ? await service.getUser(ticket.userId) : undefined;
      if (!user) throw new AppError('OAUTH_CODE_INVALID', 400, 'Unknown, expired or already used code');
      if (!user.isActive) throw new AppError('USER_INACTIVE', 401, 'User is inactive');
      return user;
    },

    async flushExpired() {
      return fed.flushExpired(db, clock.now());
    },
  };
}

export type FederationService = ReturnType<typeof federationService>;
