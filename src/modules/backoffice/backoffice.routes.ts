import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import { fileReply } from '../../platform/http/docs.js';
import { sendFile, type FilesApi } from '../files/index.js';
import type { Access } from './backoffice.access.js';
import type { BackofficeAuth } from './backoffice.auth.js';
import { crudRoutes, methodGuard, raw, security, type ResourceDef } from './backoffice.crud.js';
import { Detail, errorResponses, nonBlank } from './backoffice.docs.js';
import { notFound } from './backoffice.errors.js';
import type { FileStore } from './backoffice.files.js';
import { readBody } from './backoffice.http.js';

const TOKENS_SET = { detail: 'Tokens set in cookies' };

export interface RouteDeps {
  auth: BackofficeAuth;
  access: Access;
  store: FileStore;
  files: FilesApi;
  resources: ResourceDef[];
  maxBytes: number;
}

/** The seed's URLs: /auth/* (cookies), /api/* (DRF viewsets), and the signed file downloads under /media/. */
export function backofficeRoutes(deps: RouteDeps) {
  const { auth, access, store } = deps;
  return async function routes(app: FastifyInstance) {
    // DRF parses JSON, forms and multipart; anything else is a 415.
    app.removeContentTypeParser('text/plain');
    await app.register(multipart, { limits: { fileSize: deps.maxBytes, files: 4, fields: 60, parts: 64 } });

    const cookieDoc = (summary: string, body?: ReturnType<typeof Type.Object>) => ({
      ...raw,
      schema: {
        summary,
        ...(body ? { body } : {}),
        response: { 200: Detail, ...errorResponses(400, 401, 403, 415, 429) },
      },
    });
    app.post(
      '/auth/token/',
      cookieDoc(
        'Log in by email and password: sets the HttpOnly access_token and refresh_token cookies',
        Type.Object({ email: Type.String({ format: 'email' }), password: nonBlank() }),
      ),
      async (req, reply) => {
        await auth.login((await readBody(req)).data, req, reply);
        return TOKENS_SET;
      },
    );
    app.post(
      '/auth/token/refresh/',
      cookieDoc('New access_token (and a rotated refresh_token) from the refresh_token cookie only'),
      async (req, reply) => {
        await auth.refresh(req, reply);
        return TOKENS_SET;
      },
    );
    app.post('/auth/logout/', cookieDoc('Clears both cookies and blacklists the refresh token'), async (req, reply) => {
      await auth.logout(req, reply);
      return { detail: 'Successfully logged out.' };
    });
    for (const path of ['/auth/token/', '/auth/token/refresh/', '/auth/logout/'])
      methodGuard(app, undefined, path, ['POST']);

    app.get(
      '/api/user-group-permissions/',
      {
        ...raw,
        schema: {
          summary: "The caller's group, its permission codenames and their partner (404 without a group)",
          security,
          response: {
            200: Type.Object({
              group_name: Type.String(),
              permissions: Type.Array(Type.String()),
              partner_id: Type.Union([Type.Integer(), Type.Null()]),
            }),
            ...errorResponses(401, 403, 429),
            404: Type.Union([Detail, Type.Object({ error: Type.String() })]),
          },
        },
      },
      async (req) => access.userGroupPermissions(await auth.callerOf(req)),
    );
    methodGuard(app, auth, '/api/user-group-permissions/', ['GET']);

    app.get(
      '/media/:name',
      {
        ...raw,
        schema: {
          summary: 'A stored file, by the signed URL a response gave (no credentials needed)',
          params: Type.Object({ name: Type.String() }),
          querystring: Type.Object({ expires: Type.Optional(Type.String()), signature: Type.Optional(Type.String()) }),
          response: {
            200: fileReply('the file'),
            206: fileReply('a range of the file'),
            ...errorResponses(403, 404, 429),
          },
        },
      },
      async (req, reply) => {
        const { name } = req.params as { name: string };
        const q = req.query as { expires?: string; signature?: string };
        if (!q.expires || !q.signature || !/^\d{1,12}$/.test(q.expires)) throw notFound('File');
        const row = await store.signed(name, Number(q.expires), q.signature);
        return sendFile(deps.files, row, req, reply, row.fileType.startsWith('image/') ? 'inline' : 'attachment');
      },
    );

    for (const def of deps.resources) crudRoutes(app, auth, store.url, def);
  };
}
