import type { FastifyInstance, FastifySchema, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../platform/errors.js';
import { actorOf, type SimpleJwtAuth } from './wishlist.auth.js';
import { bearerSecurity, drf, errorResponses, drfOptions } from './wishlist.http.js';
import * as S from './wishlist.schemas.js';
import { parseWishId, type WishService } from './wishlist.service.js';

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const positive = (raw: string | undefined) =>
  raw !== undefined && /^\d{1,9}$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined;

/** The list's documented 200: the bare array or, with ?page= or ?limit=, the page object. */
const listDoc = (schema: FastifySchema): FastifySchema => ({
  ...schema,
  response: { ...(schema.response as object), 200: S.WishList },
});

/** DRF PageNumberPagination's absolute next/previous links. */
function pageLink(req: FastifyRequest, page: number, limit: number): string {
  const path = req.url.split('?')[0];
  return `${req.publicOrigin}${path}?limit=${limit}&page=${page}`;
}

/** The seed's WishViewSet: the caller's own wishes only; anyone else's is "Not found." */
export function wishRoutes(wishes: WishService, auth: SimpleJwtAuth) {
  return async (app: FastifyInstance) => {
    const opts = { ...drf, preHandler: auth.required };
    const doc = (
      summary: string,
      extra: Record<string, unknown> = {},
      ok: Record<number, unknown> = { 200: S.Wish },
    ): FastifySchema => ({
      summary,
      security: bearerSecurity,
      ...extra,
      response: { ...ok, ...errorResponses },
    });
    const idOf = (req: FastifyRequest) => parseWishId((req.params as { id: string }).id);

    app.get(
      '/api/wishes/',
      {
        ...opts,
        // The bare array (the common case) keeps its compiled serializer; the document names both shapes.
        config: { swaggerTransform: ({ schema, url }) => ({ schema: listDoc(schema as FastifySchema), url }) },
        schema: doc(
          'The caller’s wishes, newest first: a bare array; with ?page= or ?limit=, a DRF page {count, next, previous, results}',
          { querystring: S.ListQuery },
          { 200: Type.Array(S.Wish) },
        ),
      },
      async (req, reply) => {
        const userId = actorOf(req).userId;
        const q = req.query as { page?: string; limit?: string };
        if (q.page === undefined && q.limit === undefined) return (await wishes.list(userId)).map(S.wishOut);
        const limit = Math.min(positive(q.limit) ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        const page = q.page === undefined ? 1 : positive(q.page);
        if (page === undefined) throw new AppError('INVALID_PAGE', 404, 'Invalid page.');
        const { rows, total } = await wishes.page(userId, page, limit);
        const pages = Math.max(1, Math.ceil(total / limit));
        if (page > pages) throw new AppError('INVALID_PAGE', 404, 'Invalid page.');
        // Not the 200 schema's array: sent as it is, as JSON.
        return reply
          .type('application/json; charset=utf-8')
          .serializer(JSON.stringify)
          .send({
            count: total,
            next: page < pages ? pageLink(req, page + 1, limit) : null,
            previous: page > 1 ? pageLink(req, page - 1, limit) : null,
            results: rows.map(S.wishOut),
          });
      },
    );
    app.post(
      '/api/wishes/',
      { ...opts, schema: doc('Create a wish', { body: S.WishCreate }, { 201: S.Wish }) },
      async (req, reply) => reply.code(201).send(S.wishOut(await wishes.create(actorOf(req).userId, req.body))),
    );
    drfOptions(app, '/api/wishes/', ['GET', 'POST'], auth.required);

    const one = { params: S.WishId };
    app.get('/api/wishes/:id/', { ...opts, schema: doc('One of the caller’s wishes', one) }, async (req) =>
      S.wishOut(await wishes.get(actorOf(req).userId, idOf(req))),
    );
    app.put(
      '/api/wishes/:id/',
      {
        ...opts,
        schema: doc('Update a wish (title required; omitted fields keep their values)', { ...one, body: S.WishCreate }),
      },
      async (req) => S.wishOut(await wishes.update(actorOf(req).userId, idOf(req), req.body, false)),
    );
    app.patch(
      '/api/wishes/:id/',
      { ...opts, schema: doc('Partially update a wish', { ...one, body: S.WishPatch }) },
      async (req) => S.wishOut(await wishes.update(actorOf(req).userId, idOf(req), req.body, true)),
    );
    app.delete(
      '/api/wishes/:id/',
      { ...opts, schema: doc('Delete a wish', one, { 204: { type: 'null', description: 'Deleted' } }) },
      async (req, reply) => {
        await wishes.remove(actorOf(req).userId, idOf(req));
        return reply.code(204).send();
      },
    );
    drfOptions(app, '/api/wishes/:id/', ['GET', 'PUT', 'PATCH', 'DELETE'], auth.required);
  };
}
