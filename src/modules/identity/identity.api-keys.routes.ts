import { forbidden } from '../../platform/errors.js';
import { ADMIN_SCOPE } from './identity.scopes.js';
import { Type } from 'typebox';
import * as S from './identity.schemas.js';
import { isAdmin, type IdentityService } from './identity.service.js';
import { bearer, errors, type IdentityGuards, type TypedApp } from './identity.http.js';

/** The caller's API keys. */
export function apiKeyRoutes(app: TypedApp, service: IdentityService, g: IdentityGuards) {
  const { auth } = g;
  const keyOut = (k: {
    id: string;
    name: string;
    prefix: string;
    scopes: string[];
    createdAt: Date;
    lastUsedAt: Date | null;
  }) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
  });

  app.get(
    '/api/v1/api-keys/',
    {
      preHandler: auth({ credentials: true }),
      schema: {
        summary: "The caller's API keys",
        security: bearer,
        response: { 200: Type.Array(S.ApiKey), ...errors },
      },
    },
    async (req) => (await service.listApiKeys(req.actor!.userId)).map(keyOut),
  );

  app.post(
    '/api/v1/api-keys/',
    {
      preHandler: auth({ credentials: true }),
      schema: {
        summary: 'Create an API key (the key is shown once)',
        security: bearer,
        body: S.ApiKeyCreate,
        response: { 201: S.ApiKeyCreated, ...errors },
      },
    },
    async (req, reply) => {
      const actor = req.actor!;
      if (req.body.scopes?.includes(ADMIN_SCOPE) && !isAdmin(actor))
        throw forbidden('Only an admin may grant the admin scope');
      const { row, key } = await service.createApiKey(actor.userId, req.body.name, { scopes: req.body.scopes });
      return reply.code(201).send({ ...keyOut(row), key });
    },
  );

  app.delete(
    '/api/v1/api-keys/:id',
    {
      preHandler: auth({ credentials: true }),
      schema: {
        summary: 'Revoke an API key',
        security: bearer,
        params: S.KeyIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await service.revokeApiKey(req.actor!.userId, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
