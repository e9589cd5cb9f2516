import { Type } from 'typebox';
import type { OidcClientService } from './identity.oidc-clients.js';
import { bearer, errors, type IdentityGuards, type TypedApp } from './identity.http.js';

const Uri = Type.String({ minLength: 1, maxLength: 2000, format: 'uri' });
const ClientIdParams = Type.Object({ client_id: Type.String({ pattern: '^[\\w-]{1,64}$' }) });
const ClientCreate = Type.Object({
  client_name: Type.String({ minLength: 1, maxLength: 100 }),
  redirect_uris: Type.Array(Uri, { minItems: 1, maxItems: 10, description: 'Matched exactly' }),
  post_logout_redirect_uris: Type.Optional(Type.Array(Uri, { maxItems: 10 })),
  public: Type.Optional(
    Type.Boolean({ default: false, description: 'A browser or native app: no secret, PKCE alone (default false)' }),
  ),
});
const Client = Type.Object({
  client_id: Type.String(),
  client_name: Type.String(),
  redirect_uris: Type.Array(Type.String()),
  post_logout_redirect_uris: Type.Array(Type.String()),
  token_endpoint_auth_method: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});
const ClientCreated = Type.Object({
  ...Client.properties,
  client_secret: Type.Optional(Type.String({ description: 'Shown once (absent for public clients)' })),
});

/** Relying parties of Agora's OpenID provider (admin). */
export function oidcClientRoutes(app: TypedApp, clients: OidcClientService, g: IdentityGuards) {
  const { auth } = g;
  app.post(
    '/api/v1/oidc/clients',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: 'Register a client of the OpenID provider (admin); the secret is shown once',
        security: bearer,
        body: ClientCreate,
        response: { 201: ClientCreated, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(
        await clients.create({
          name: req.body.client_name,
          redirectUris: req.body.redirect_uris,
          postLogoutRedirectUris: req.body.post_logout_redirect_uris,
          public: req.body.public,
        }),
      ),
  );

  app.get(
    '/api/v1/oidc/clients',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: 'Clients of the OpenID provider (admin)',
        security: bearer,
        response: { 200: Type.Array(Client), ...errors },
      },
    },
    async () => clients.list(),
  );

  app.delete(
    '/api/v1/oidc/clients/:client_id',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: 'Delete a client (admin): its tokens stop working',
        security: bearer,
        params: ClientIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await clients.remove(req.params.client_id);
      return reply.code(204).send(null);
    },
  );
}
