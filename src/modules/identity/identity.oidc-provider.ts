import { timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { KoaContext, Provider } from 'oidc-provider';
import { oidcAdapter } from './identity.oidc-adapter.js';
import { oidcKeys } from './identity.oidc-keys.js';
import { errorPage, loggedOutPage, logoutPage } from './identity.oidc-pages.js';
import { oidcRepository as oidcRepo } from './identity.oidc.repository.js';
import { identityMount, identityPublicUrl } from './identity.public-url.js';
import { identityRepository as repo } from './identity.repository.js';
import type { IdentityService } from './identity.service.js';
import { sha256, type IdentityDeps } from './identity.types.js';

/** Every route of the provider sits under <identity>/oidc/ (discovery stays at <identity>/.well-known/). */
const ROUTES = Object.fromEntries(
  Object.entries({
    authorization: '/auth',
    backchannel_authentication: '/backchannel',
    challenge: '/challenge',
    code_verification: '/device',
    credential: '/credential',
    device_authorization: '/device/auth',
    end_session: '/session/end',
    introspection: '/token/introspection',
    jwks: '/jwks',
    pushed_authorization_request: '/request',
    registration: '/reg',
    revocation: '/token/revocation',
    token: '/token',
    userinfo: '/me',
  }).map(([name, path]) => [name, `/oidc${path}`]),
);

/** Whether Agora serves as an OpenID provider with this configuration (OIDC_PROVIDER, see config.ts). */
export function oidcProviderEnabled(config: IdentityDeps['config']) {
  if (config.OIDC_PROVIDER !== 'auto') return config.OIDC_PROVIDER === 'on';
  return config.AGORA_ENV !== 'production' || Boolean(config.JWT_PRIVATE_KEY_FILE && config.PUBLIC_URL);
}

/**
 * Agora as an OpenID provider (what Keycloak was for the seed), with oidc-provider over identity's accounts
 * and sessions: code + PKCE only, refresh tokens, userinfo, RP-initiated logout, revocation.
 *
 * An OpenID session is tied to the Agora session its login page opened (identity.oidc_sessions): every code,
 * token and grant is honoured only while that Agora session lives (findAccount checks it), and ending the Agora
 * session — logout, logout/all, password change, deactivation, admin logout — deletes the OpenID session with
 * its grants and tokens. Signing out at the provider's end-session endpoint ends the Agora session in turn.
 */
async function createOidcProvider(deps: IdentityDeps, service: IdentityService, log: FastifyBaseLogger) {
  const { db, config, clock } = deps;
  // Loaded on first use: the package is a Koa application that a deployment without it need not load.
  const { default: Provider, interactionPolicy } = await import('oidc-provider');
  const keys = await oidcKeys(config);
  const mount = identityMount(config);

  const { Check } = interactionPolicy;
  const policy = interactionPolicy.base();
  policy
    .get('login')!
    .checks.add(
      new Check('agora_session_ended', 'End-User authentication is required', (ctx) =>
        ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
      ),
    );

  const liveSession = async (sessionId: string | undefined, accountId: string) => {
    const session = sessionId ? await repo.sessionById(db, sessionId) : undefined;
    return Boolean(session && !session.revokedAt && session.expiresAt > clock.now() && session.userId === accountId);
  };

  /**
   * Binds an OpenID session to the Agora session of its latest login. Tokens issued under an earlier Agora
   * session that has ended go first: they must not come back to life under the new one.
   */
  async function bind(uid: string, sessionId: string, accountId: string) {
    const before = await oidcRepo.sessionOfUid(db, uid);
    if (before === sessionId) return;
    if (before && !(await liveSession(before, accountId))) await oidcRepo.dropTokensOfSession(db, uid);
    await oidcRepo.bindSession(db, uid, sessionId);
  }

  async function findAccount(ctx: KoaContext, accountId: string, token?: { sessionUid?: string }) {
    const uid = token ? token.sessionUid : ctx.oidc?.session?.uid;
    if (!uid) return undefined;
    // Right after the login page, the interaction result names the Agora session it opened.
    const fresh = !token && (ctx.oidc.result?.agora as { sessionId?: string } | undefined)?.sessionId;
    if (fresh) await bind(uid, fresh, accountId);
    if (!(await liveSession(fresh || (await oidcRepo.sessionOfUid(db, uid)), accountId))) return undefined;
    const user = await service.getUser(accountId);
    if (!user?.isActive) return undefined;
    return {
      accountId,
      claims: () => ({
        sub: user.id,
        email: user.email ?? undefined,
        email_verified: user.emailVerified,
        preferred_username: user.username,
        name: [user.firstName, user.lastName].filter(Boolean).join(' ') || user.username,
        given_name: user.firstName || undefined,
        family_name: user.lastName || undefined,
        updated_at: Math.floor(user.updatedAt.getTime() / 1000),
      }),
    };
  }

  const provider = new Provider(identityPublicUrl(config), {
    adapter: oidcAdapter(db, clock),
    findAccount,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['preferred_username', 'name', 'given_name', 'family_name', 'updated_at'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    conformIdTokenClaims: false,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      id_token_signed_response_alg: keys.signing.alg,
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContext, form: string) => {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource: async (ctx: KoaContext) => {
          ctx.type = 'html';
          ctx.body = loggedOutPage();
        },
      },
    },
    routes: ROUTES,
    interactions: {
      url: async (_ctx: unknown, interaction: { uid: string }) => `${mount}/oidc/interaction/${interaction.uid}`,
      policy,
    },
    cookies: {
      keys: keys.cookies,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    jwks: { keys: [keys.signing] },
    ttl: {
      AccessToken: config.ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: config.ACCESS_TOKEN_TTL,
      RefreshToken: config.REFRESH_TOKEN_TTL,
      Interaction: 600,
      Session: config.REFRESH_TOKEN_TTL,
      Grant: config.REFRESH_TOKEN_TTL,
    },
    clientBasedCORS: (_ctx: unknown, origin: string, client: { redirectUris: string[] }) =>
      client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin),
    renderError: async (ctx: KoaContext, out: { error?: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = errorPage('Sign-in failed', out.error_description ?? out.error ?? 'The request was not valid');
    },
  });
  provider.proxy = config.TRUST_PROXY;

  // Client secrets are stored as their sha256 (the adapter gives that as client_secret); compare likewise.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(
    this: { clientSecret?: string },
    actual: string,
  ) {
    const stored = Buffer.from(this.clientSecret ?? '');
    const given = Buffer.from(sha256(String(actual)));
    return stored.length === given.length && timingSafeEqual(stored, given);
  };

  // Signing out at the provider ("yes, sign me out") ends the Agora session it stood on.
  provider.use(async (ctx, next) => {
    await next();
    const uid = ctx.oidc?.session?.uid;
    if (ctx.oidc?.route === 'end_session_confirm' && ctx.oidc.params?.logout && uid) {
      const sessionId = await oidcRepo.sessionOfUid(db, uid);
      if (sessionId) await service.endSession(sessionId, 'oidc-logout');
    }
  });
  provider.on('server_error', (_ctx, err) => log.error({ err }, 'OpenID provider error'));
  return provider;
}

/**
 * The provider, made on first use (its key is read or made then), and — from the start — the rule that ending
 * Agora sessions (any way) ends their OpenID sessions, grants and tokens.
 */
export function openIdProvider(deps: IdentityDeps, service: IdentityService, log: FastifyBaseLogger) {
  const { db } = deps;
  let made: Promise<Provider> | undefined;
  service.onSessionsEnded(async (sessionIds) => {
    try {
      const uids = await oidcRepo.uidsOfSessions(db, sessionIds);
      if (!uids.length) return;
      const grantIds = (await oidcRepo.sessionPayloads(db, uids)).flatMap((p) =>
        Object.values((JSON.parse(p) as { authorizations?: Record<string, { grantId?: string }> }).authorizations ?? {})
          .map((a) => a.grantId)
          .filter((g): g is string => typeof g === 'string'),
      );
      await oidcRepo.endSessions(db, uids, grantIds);
    } catch (err) {
      // The tokens still fail (findAccount checks the Agora session); the rows go with the expiry sweep.
      log.warn({ err }, 'could not end the OpenID grants of ended sessions');
    }
  });
  return {
    provider: () =>
      (made ??= createOidcProvider(deps, service, log).catch((err: unknown) => {
        made = undefined; // a later request tries again (and logs why it failed)
        throw err;
      })),
    /** Expired codes, tokens, sessions and interactions (a scheduled task). */
    flushExpired: () => oidcRepo.flushExpired(db, deps.clock.now()),
  };
}

export type OpenIdProvider = ReturnType<typeof openIdProvider>;
