import { AppError, notFound } from '../../platform/errors.js';
import type { OpenIdProvider } from './identity.oidc-provider.js';
import { oidcRepository as repo, type OidcClientRow } from './identity.oidc.repository.js';
import { sha256, type IdentityDeps } from './identity.types.js';

export interface NewOidcClient {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** A public client (a single-page or native app): no secret, PKCE only. */
  public?: boolean;
}

export const clientOut = (c: OidcClientRow) => ({
  client_id: c.clientId,
  client_name: String(c.metadata.client_name ?? ''),
  redirect_uris: (c.metadata.redirect_uris as string[] | undefined) ?? [],
  post_logout_redirect_uris: (c.metadata.post_logout_redirect_uris as string[] | undefined) ?? [],
  token_endpoint_auth_method: String(c.metadata.token_endpoint_auth_method),
  created_at: c.createdAt.toISOString(),
});

/**
 * Relying parties of Agora's OpenID provider, registered by an admin (CLI `agora oidc client create` or the admin
 * API). Redirect URIs are matched exactly; the secret is shown once and stored as its sha256.
 */
export function oidcClientService({ db, clock }: IdentityDeps, oidc: OpenIdProvider) {
  return {
    async create(input: NewOidcClient) {
      // Hex, so a client id never starts with '-' (a CLI argument would read it as an option).
      const clientId = clock.uuid().replace(/-/g, '');
      const secret = input.public ? undefined : clock.token(32);
      const metadata: Record<string, unknown> = {
        client_name: input.name,
        application_type: 'web',
        redirect_uris: input.redirectUris,
        post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: input.public ? 'none' : 'client_secret_basic',
      };
      const provider = await oidc.provider();
      try {
        await provider.Client.validate({
          ...metadata,
          client_id: clientId,
          ...(secret ? { client_secret: sha256(secret) } : {}),
        });
      } catch (err) {
        const e = err as { error_description?: string; message?: string };
        throw new AppError('VALIDATION_FAILED', 400, e.error_description ?? e.message ?? 'Invalid client metadata');
      }
      const row = await repo.insertClient(db, { clientId, metadata, secretHash: secret ? sha256(secret) : null });
      return { ...clientOut(row), ...(secret ? { client_secret: secret } : {}) };
    },

    list: async () => (await repo.listClients(db)).map(clientOut),

    /** Deletes a client: its codes and tokens stop working at once (the provider no longer finds the client). */
    async remove(clientId: string) {
      if (!(await repo.deleteClient(db, clientId))) throw notFound('Client not found');
    },
  };
}

export type OidcClientService = ReturnType<typeof oidcClientService>;
