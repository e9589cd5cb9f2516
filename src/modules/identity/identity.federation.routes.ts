import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { PlatformContext } from '../../platform/context.js';
import { enforceLimit } from '../../platform/ratelimit/guard.js';
import { cookieValue } from './credentials.js';
import type { LinkedIdentityRow } from './identity.federation.repository.js';
import * as F from './identity.federation.schemas.js';
import { STATE_TTL, type FederationService } from './identity.federation.js';
import { bearer, errors, tokenOut, type IdentityGuards, type TypedApp } from './identity.http.js';
import { identityMount, identityPublicUrl } from './identity.public-url.js';
import * as S from './identity.schemas.js';
import type { IdentityService } from './identity.service.js';

const COOKIE = 'agora_oauth';

const identityOut = (l: LinkedIdentityRow) => ({
  id: l.id,
  provider: l.provider,
  subject: l.subject,
  email: l.email,
  email_verified: l.emailVerified,
  created_at: l.createdAt.toISOString(),
  last_login_at: l.lastLoginAt?.toISOString() ?? null,
});

/** External login (`/auth/{provider}/` → provider → `/auth/{provider}/endpoint`), code exchange and linking. */
export function federationRoutes(
  app: TypedApp,
  ctx: PlatformContext,
  service: IdentityService,
  federation: FederationService,
  g: IdentityGuards,
) {
  const { config, limiter } = ctx;
  const { auth, meta } = g;
  const secure = identityPublicUrl(config).startsWith('https://');
  const cookiePath = `${identityMount(config)}/api/v1/auth/`;
  /** Per-IP limit on the unauthenticated steps (redirect, callback, code exchange). */
  const limitIp = async (req: FastifyRequest, reply: FastifyReply) => {
    if (config.RATE_LIMIT_ENABLED)
      await enforceLimit(limiter, reply, `idn:oauth:${req.ip}`, config.OAUTH_RATE_LIMIT_PER_MINUTE, 60);
  };
  /** The browser-binding cookie: HttpOnly, Lax (it must come back on the provider's top-level redirect). */
  const bindBrowser = (reply: FastifyReply, value: string) =>
    reply.header(
      'set-cookie',
      `${COOKIE}=${value}; Path=${cookiePath}; Max-Age=${STATE_TTL}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
    );
  const browserOf = (req: FastifyRequest) => cookieValue(req.headers.cookie, COOKIE);
  const conflictOrErrors = { ...errors, 409: F.LinkRequired, 502: S.Detail };

  app.get(
    '/api/v1/auth/providers',
    { schema: { summary: 'External identity providers you can sign in with', response: { 200: F.Providers } } },
    async () =>
      federation.providerNames().map((name) => ({
        name,
        authorization_url: `${identityPublicUrl(config)}/api/v1/auth/${name}/`,
      })),
  );

  app.get(
    '/api/v1/auth/:provider/',
    {
      preHandler: limitIp,
      schema: {
        summary: 'Sign in with an external provider: redirects the browser there (code + PKCE, state, nonce)',
        params: F.ProviderParams,
        response: { 302: Type.Null(), ...errors, 502: S.Detail },
      },
    },
    async (req, reply) => {
      const { url, browser } = await federation.start(req.params.provider, { browser: browserOf(req) });
      bindBrowser(reply, browser);
      return reply.redirect(url, 302);
    },
  );

  app.get(
    '/api/v1/auth/:provider/endpoint',
    {
      preHandler: limitIp,
      schema: {
        summary:
          "The provider's redirect back: answers with the Token, or sends the browser to the front end with a one-time code",
        params: F.ProviderParams,
        querystring: F.CallbackQuery,
        response: { 200: S.Token, 302: Type.Null(), ...conflictOrErrors },
      },
    },
    async (req, reply) => {
      const q = req.url.indexOf('?');
      const user = await federation.callback(req.params.provider, q < 0 ? '' : req.url.slice(q + 1), browserOf(req));
      if (!config.OAUTH_FRONTEND_REDIRECT_URL) return tokenOut(await service.issueTokens(user, meta(req)));
      const target = new URL(config.OAUTH_FRONTEND_REDIRECT_URL);
      target.searchParams.set('code', await federation.loginCode(user.id, req.params.provider));
      return reply.redirect(target.toString(), 302);
    },
  );

  app.post(
    '/api/v1/auth/token',
    {
      preHandler: limitIp,
      schema: {
        summary: 'Exchange the one-time code of an external login for the Token (single use, 60 seconds)',
        body: F.CodeExchangeBody,
        response: { 200: S.Token, ...errors },
      },
    },
    async (req) => tokenOut(await service.issueTokens(await federation.redeemLoginCode(req.body.code), meta(req))),
  );

  app.post(
    '/api/v1/auth/:provider/link',
    {
      preHandler: auth({ credentials: true }),
      schema: {
        summary: 'Start linking an external identity to your account (send the browser to authorization_url)',
        security: bearer,
        params: F.ProviderParams,
        response: { 200: F.LinkStarted, ...errors, 502: S.Detail },
      },
    },
    async (req, reply) => {
      const { url, browser } = await federation.start(req.params.provider, {
        browser: browserOf(req),
        linkUserId: req.actor!.userId,
      });
      bindBrowser(reply, browser);
      return { authorization_url: url };
    },
  );

  app.post(
    '/api/v1/auth/link',
    {
      preHandler: auth({ credentials: true }),
      schema: {
        summary: "Accept a pending link: the provider identity that found your account's email is added to it",
        security: bearer,
        body: F.AcceptLinkBody,
        response: { 201: F.LinkedIdentity, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(identityOut(await federation.acceptLink(req.actor!, req.body.link_token))),
  );

  app.get(
    '/api/v1/auth/identities',
    {
      preHandler: auth({ credentials: true }),
      schema: {
        summary: 'Your linked external identities',
        security: bearer,
        response: { 200: F.LinkedIdentities, ...errors },
      },
    },
    async (req) => {
      const { identities, hasPassword } = await federation.identitiesOf(req.actor!.userId);
      return { identities: identities.map(identityOut), has_password: hasPassword };
    },
  );

  app.delete(
    '/api/v1/auth/identities/:id',
    {
      preHandler: auth({ credentials: true }),
      schema: {
        summary: 'Unlink an external identity (409 when it is your last way to sign in)',
        security: bearer,
        params: F.IdentityIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await federation.unlink(req.actor!.userId, req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/auth/password',
    {
      preHandler: auth({ credentials: true }),
      schema: {
        summary:
          'Set a first password on an account made by an external login (then every module’s password login works)',
        security: bearer,
        body: F.FirstPasswordBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await federation.setFirstPassword(req.actor!.userId, req.body.password);
      return reply.code(204).send(null);
    },
  );
}
