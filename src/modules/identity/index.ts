import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import type { AgoraModule } from '../../platform/http/module.js';
import { credentialOf, resolveActor, type ResolveOptions } from './credentials.js';
import { directory, type Directory } from './identity.directory.js';
import { renderIdentityError } from './identity.errors.js';
import { identityRoutes } from './identity.routes.js';
import { identityAdmin } from './identity.admin.js';
import { identityAdminRepository } from './identity.admin.repository.js';
import { federationService } from './identity.federation.js';
import { typed, type IdentityGuards } from './identity.http.js';
import { oidcClientRoutes } from './identity.oidc-clients.routes.js';
import { oidcClientService, type OidcClientService } from './identity.oidc-clients.js';
import { oidcProviderEnabled, openIdProvider } from './identity.oidc-provider.js';
import { oidcProviderRoutes } from './identity.oidc-provider.routes.js';
import { createIdentityService, type IdentityDeps, type IdentityService } from './identity.service.js';
import { argon2Hasher } from './passwords.js';
import { createSigner } from './tokens.js';

declare module '../../platform/jobs/types.js' {
  interface EventMap {
    /** An account's username changed; published in the transaction of the change. */
    'identity.user.renamed': { userId: string; username: string };
    /** An account's username, email or names changed; published in the transaction of the change. */
    'identity.user.updated': { userId: string };
    /** An account's password changed (notifications emails the owner). */
    'identity.password.changed': { userId: string };
    /** A login session began (notifications emails the owner when it comes from a device not seen before). */
    'identity.session.started': { userId: string; sessionId: string; userAgent: string; ip: string; at: string };
  }
}

export type { Actor, CredentialKind, IdentityService, TokenPair, IssueOptions } from './identity.service.js';
export { isAdmin, requireAdmin, ADMIN_PERMISSION, loginFailure } from './identity.service.js';
export type { LoginFailure, PasswordLogin } from './identity.service.js';
export type { UserRow } from './identity.repository.js';
export type { ResolveOptions, Credential } from './credentials.js';
export { oidcCommand } from './identity.cli.js';
export { IDP_CLIENT } from './identity.http.js';
export type { Audience, DirectoryEntry } from './identity.directory.js';

/** What other modules may use of identity. */
export interface IdentityApi {
  service: IdentityService;
  /** The caller of a request, or a typed 401 AppError (AUTH_MISSING, AUTH_MALFORMED, TOKEN_*, SESSION_*, API_KEY_INVALID). */
  resolve(req: FastifyRequest, opts?: ResolveOptions): ReturnType<typeof resolveActor>;
  credentialOf: typeof credentialOf;
  /** The seed's gRPC call, as a function: a user's public fields. */
  getUser(id: string): Promise<{ id: string; email: string | null; username: string } | undefined>;
  /** Accounts by id, role or all, in pages (e.g. the recipients of a notification). */
  directory: Directory;
  /** Usernames of several users in one query (admin lists label their rows with them). */
  usernames(ids: string[]): Promise<Map<string, string>>;
  /** Clients of Agora's OpenID provider (the CLI registers them); undefined when the provider is off. */
  oidcClients?: OidcClientService;
  /** Demo account for `agora seed`: created once with a random password, which is returned only then. */
  demoUser(
    username: string,
    extra?: { email?: string; firstName?: string; lastName?: string },
  ): Promise<{
    id: string;
    username: string;
    password?: string;
  }>;
}

export async function createIdentity(ctx: PlatformContext): Promise<{ module: AgoraModule; api: IdentityApi }> {
  const { config } = ctx;
  const signer = await createSigner(config);
  const deps: IdentityDeps = {
    db: ctx.database.db,
    config,
    cache: ctx.cache,
    limiter: ctx.limiter,
    clock: ctx.clock,
    hasher: argon2Hasher(config.ARGON2_MEMORY_KIB, config.ARGON2_ITERATIONS),
    signer,
    jobs: ctx.jobs,
  };
  const service = createIdentityService(deps);
  const federation = federationService(deps, service);
  const openId = oidcProviderEnabled(config) ? openIdProvider(deps, service, ctx.log) : undefined;
  const oidcClients = openId && oidcClientService(deps, openId);
  const oidcRoutes =
    openId &&
    (async (app: FastifyInstance, guards: IdentityGuards) => {
      await oidcProviderRoutes(ctx, service, openId)(app);
      oidcClientRoutes(typed(app), oidcClients!, guards);
    });

  const api: IdentityApi = {
    service,
    oidcClients,
    resolve: (req, opts) => resolveActor(service, req, opts),
    credentialOf,
    directory,
    getUser: async (id) => {
      const u = await service.getUser(id);
      return u && { id: u.id, email: u.email, username: u.username };
    },
    usernames: (ids) => identityAdminRepository.usernames(ctx.database.db, ids),
    demoUser: async (username, extra = {}) => {
      const existing = await service.getUserByUsername(username);
      if (existing) return { id: existing.id, username };
      const password = ctx.clock.token(9);
      const user = await service.register({
        username,
        password,
        email: extra.email,
        firstName: extra.firstName,
        lastName: extra.lastName,
      });
      return { id: user.id, username, password };
    },
  };

  const module: AgoraModule = {
    name: 'identity',
    description: 'Accounts, tokens, sessions, roles and API keys shared by every module',
    routes: identityRoutes(ctx, service, signer, { federation, oidc: oidcRoutes }),
    renderError: renderIdentityError,
    admin: identityAdmin(ctx.database.db, service, ctx.clock),
    tasks: [
      {
        name: 'identity.tokens.flush-expired',
        everySeconds: config.TOKEN_FLUSH_INTERVAL,
        run: () => service.flushExpired(),
      },
      {
        name: 'identity.oauth.flush-expired',
        everySeconds: config.TOKEN_FLUSH_INTERVAL,
        run: async () => ({ ...(await federation.flushExpired()), oidc: await openId?.flushExpired() }),
      },
    ],
    async seed() {
      const lines: string[] = [];
      await service.ensureRole({
        name: 'admin',
        description: 'Identity administrators',
        permissions: ['identity.admin'],
      });
      const admin = await service.getUserByUsername('admin');
      if (!admin) {
        const password = ctx.clock.token(12);
        await service.ensureSuperuser({ username: 'admin', email: 'admin@agora.local', password });
        lines.push(`identity: superuser admin / ${password}`);
      }
      for (const name of ['alice', 'bob']) {
        const u = await api.demoUser(name, { email: `${name}@agora.local` });
        if (u.password) lines.push(`identity: user ${name} / ${u.password}`);
      }
      return lines;
    },
  };
  return { module, api };
}
