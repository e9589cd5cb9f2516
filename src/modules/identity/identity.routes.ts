import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import { accountRoutes } from './identity.accounts.routes.js';
import { apiKeyRoutes } from './identity.api-keys.routes.js';
import type { FederationService } from './identity.federation.js';
import { federationRoutes } from './identity.federation.routes.js';
import { identityGuards, typed, type IdentityGuards } from './identity.http.js';
import { roleRoutes } from './identity.roles.routes.js';
import * as S from './identity.schemas.js';
import type { IdentityService } from './identity.service.js';
import { sessionRoutes } from './identity.sessions.routes.js';
import type { TokenSigner } from './tokens.js';

/** Identity's HTTP surface (under /api/v1), one file per concern. */
export function identityRoutes(
  ctx: PlatformContext,
  service: IdentityService,
  signer: TokenSigner,
  more: { federation: FederationService; oidc?: (app: FastifyInstance, guards: IdentityGuards) => Promise<void> },
) {
  return async function routes(root: FastifyInstance) {
    const app = typed(root);
    const guards = identityGuards(ctx, service);

    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          summary: 'Public signing keys (asymmetric keys only; empty with HS256)',
          response: { 200: S.Jwks },
        },
      },
      // every JWK has its kty (RFC 7517); jose's type leaves it optional
      async () => signer.jwks() as { keys: { kty: string }[] },
    );
    accountRoutes(app, service, guards);
    sessionRoutes(app, service, guards);
    roleRoutes(app, service, guards);
    apiKeyRoutes(app, service, guards);
    federationRoutes(app, ctx, service, more.federation, guards);
    await more.oidc?.(root, guards);
  };
}
