import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { InteractionDetails } from 'oidc-provider';
import type { PlatformContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { enforceLimit } from '../../platform/ratelimit/guard.js';
import { typed } from './identity.http.js';
import { consentPage, errorPage, loginPage, PAGE_CSP } from './identity.oidc-pages.js';
import type { OpenIdProvider } from './identity.oidc-provider.js';
import { identityMount } from './identity.public-url.js';
import { identityRepository as repo } from './identity.repository.js';
import { loginFailure, type IdentityService } from './identity.service.js';

const UidParams = Type.Object({ uid: Type.String({ pattern: '^[\\w-]{1,64}$' }) });
const LoginForm = Type.Object({
  login: Type.Optional(Type.String({ maxLength: 254 })),
  password: Type.Optional(Type.String({ maxLength: 128 })),
});
const hidden = { hide: true };

/**
 * The OpenID provider under identity's prefix: its own endpoints handed to oidc-provider (a Koa app) as raw
 * requests, and the login and consent pages of its interactions.
 */
export function oidcProviderRoutes(ctx: PlatformContext, service: IdentityService, oidc: OpenIdProvider) {
  const { config, limiter, clock } = ctx;
  const mount = identityMount(config);
  const db = ctx.database.db;

  return async function routes(root: FastifyInstance) {
    // oidc-provider reads request bodies itself: in this scope Fastify leaves them unread.
    await root.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
      const handoff = async (req: FastifyRequest, reply: FastifyReply) => {
        const callback = (await oidc.provider()).callback();
        reply.hijack();
        const raw = req.raw as IncomingMessage & { originalUrl?: string };
        raw.originalUrl = raw.url;
        raw.url = raw.url!.slice(mount.length) || '/';
        for (const [name, value] of Object.entries(PROVIDER_HEADERS)) reply.raw.setHeader(name, value);
        reply.raw.setHeader('x-request-id', req.id);
        try {
          await callback(raw, reply.raw);
        } finally {
          raw.url = raw.originalUrl; // the access log names the path as the client sent it
        }
      };
      scope.get('/.well-known/openid-configuration', { schema: hidden }, handoff);
      scope.all('/oidc/*', { schema: hidden }, handoff);
    });

    const app = typed(root);
    const html = (reply: FastifyReply, status: number, body: string) =>
      reply.code(status).type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(body);
    const limitIp = async (req: FastifyRequest, reply: FastifyReply) => {
      if (config.RATE_LIMIT_ENABLED)
        await enforceLimit(limiter, reply, `idn:oidc-login:${req.ip}`, config.OAUTH_RATE_LIMIT_PER_MINUTE, 60);
    };
    const base = (uid: string) => `${mount}/oidc/interaction/${encodeURIComponent(uid)}`;

    /** The interaction of this browser (its cookie) for this page, or an HTML 400 sent and undefined. */
    async function interaction(req: FastifyRequest, uid: string, reply: FastifyReply) {
      const provider = await oidc.provider();
      const details = await provider.interactionDetails(req.raw, reply.raw).catch(() => undefined);
      if (!details || details.uid !== uid) {
        html(
          reply,
          400,
          errorPage(
            'Sign-in expired',
            'This sign-in has expired or belongs to another browser. Start again from the application.',
          ),
        );
        return undefined;
      }
      return { provider, details };
    }
    const clientName = async (details: InteractionDetails) => {
      const client = await (await oidc.provider()).Client.find(details.params.client_id);
      return client?.clientName ?? details.params.client_id;
    };
    const finish = async (req: FastifyRequest, reply: FastifyReply, result: Record<string, unknown>, merge = true) => {
      const to = await (
        await oidc.provider()
      ).interactionResult(req.raw, reply.raw, result, {
        mergeWithLastSubmission: merge,
      });
      return reply.redirect(to, 303);
    };

    app.get(
      '/oidc/interaction/:uid',
      { preHandler: limitIp, schema: { ...hidden, params: UidParams } },
      async (req, reply) => {
        const found = await interaction(req, req.params.uid, reply);
        if (!found) return reply;
        const { details } = found;
        const client = await clientName(details);
        if (details.prompt.name === 'login') {
          return html(reply, 200, loginPage({ action: `${base(details.uid)}/login`, client }));
        }
        const scopes = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
        return html(
          reply,
          200,
          consentPage({ confirm: `${base(details.uid)}/confirm`, abort: `${base(details.uid)}/abort`, client, scopes }),
        );
      },
    );

    app.post(
      '/oidc/interaction/:uid/login',
      { preHandler: limitIp, schema: { ...hidden, params: UidParams, body: LoginForm } },
      async (req, reply) => {
        const found = await interaction(req, req.params.uid, reply);
        if (!found) return reply;
        const { details } = found;
        const login = (req.body.login ?? '').trim();
        const client = await clientName(details);
        const retry = (status: number, error: string) =>
          html(reply, status, loginPage({ action: `${base(details.uid)}/login`, client, login, error }));
        if (details.prompt.name !== 'login')
          return retry(400, 'You are signed in already; go back to the application.');
        if (!login || !req.body.password) return retry(400, 'Enter your username or email and your password.');
        try {
          // The one login guard: this page counts against the same limits as every other password login.
          const user = await service.passwordLogin({ login, password: req.body.password, ip: req.ip });
          const session = await repo.insertSession(db, {
            id: clock.uuid(),
            userId: user.id,
            kind: 'oidc',
            secretHash: null,
            client: 'oidc',
            ipAddress: req.ip,
            userAgent: (req.headers['user-agent'] ?? '').slice(0, 512),
            expiresAt: new Date(clock.now().getTime() + config.REFRESH_TOKEN_TTL * 1000),
          });
          await repo.updateUser(db, user.id, { lastLogin: clock.now() });
          const result = {
            login: { accountId: user.id, amr: ['pwd'], remember: true },
            agora: { sessionId: session.id },
          };
          return await finish(req, reply, result, false);
        } catch (err) {
          if (loginFailure(err)) return retry(401, 'Wrong username, email or password.');
          if (err instanceof AppError && err.status === 429) {
            reply.headers(err.headers ?? {});
            return retry(429, 'Too many sign-in attempts; try again later.');
          }
          throw err;
        }
      },
    );

    app.post(
      '/oidc/interaction/:uid/confirm',
      { preHandler: limitIp, schema: { ...hidden, params: UidParams } },
      async (req, reply) => {
        const found = await interaction(req, req.params.uid, reply);
        if (!found) return reply;
        const { provider, details } = found;
        if (details.prompt.name !== 'consent' || !details.session) {
          return html(reply, 400, errorPage('Nothing to allow', 'This step is not waiting for your consent.'));
        }
        const prompt = details.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        const grant =
          (details.grantId && (await provider.Grant.find(details.grantId))) ||
          new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        if (prompt.missingOIDCScope?.length) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
        if (prompt.missingOIDCClaims?.length) grant.addOIDCClaims(prompt.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(prompt.missingResourceScopes ?? {}))
          grant.addResourceScope(indicator, scopes.join(' '));
        return finish(req, reply, { consent: { grantId: await grant.save() } });
      },
    );

    app.post(
      '/oidc/interaction/:uid/abort',
      { preHandler: limitIp, schema: { ...hidden, params: UidParams } },
      async (req, reply) => {
        if (!(await interaction(req, req.params.uid, reply))) return reply;
        return finish(req, reply, { error: 'access_denied', error_description: 'The user refused' }, false);
      },
    );
  };
}

/** What every answer of the provider carries (the kernel's API headers do not reach a hijacked reply). */
const PROVIDER_HEADERS: Record<string, string> = {
  'content-security-policy': PAGE_CSP,
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
