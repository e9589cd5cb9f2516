import type { FastifyInstance, FastifySchema, FastifyRequest } from 'fastify';
import { actorOf, type SimpleJwtAuth } from './wishlist.auth.js';
import { bearerSecurity, drf, errorResponses, drfOptions } from './wishlist.http.js';
import * as S from './wishlist.schemas.js';
import type { SharingService } from './wishlist.sharing.js';

/** Beyond the seed: share links, the public read-only list, and secret gift reservations. */
export function shareRoutes(sharing: SharingService, auth: SimpleJwtAuth, sharedPath: (token: string) => string) {
  return async (app: FastifyInstance) => {
    const authed = { ...drf, preHandler: auth.required };
    const doc = (summary: string, ok: Record<number, unknown>, extra: Record<string, unknown> = {}): FastifySchema => ({
      summary,
      security: bearerSecurity,
      ...extra,
      response: { ...ok, ...errorResponses },
    });
    const shareOut = (row: { shareToken: string; sharedAt: Date }) => ({
      token: row.shareToken,
      url: sharedPath(row.shareToken),
      created_at: row.sharedAt.toISOString(),
    });

    app.get(
      '/api/share/',
      { ...authed, schema: doc('Your share link (404 when none)', { 200: S.Share }) },
      async (req) => shareOut(await sharing.link(actorOf(req).userId)),
    );
    app.post(
      '/api/share/',
      { ...authed, schema: doc('Create or rotate your share link (the old one stops working)', { 201: S.Share }) },
      async (req, reply) => reply.code(201).send(shareOut(await sharing.rotate(actorOf(req).userId))),
    );
    app.delete(
      '/api/share/',
      { ...authed, schema: doc('Revoke your share link', { 204: { type: 'null', description: 'Revoked' } }) },
      async (req, reply) => {
        await sharing.revoke(actorOf(req).userId);
        return reply.code(204).send();
      },
    );
    drfOptions(app, '/api/share/', ['GET', 'POST', 'DELETE'], auth.required);

    const settingsOut = (s: { showReservers: boolean }) => ({ show_reservers: s.showReservers });
    app.get(
      '/api/users/me/settings/',
      { ...authed, schema: doc('Your wishlist settings', { 200: S.Settings }) },
      async (req) => settingsOut(await sharing.settings(actorOf(req).userId)),
    );
    app.patch(
      '/api/users/me/settings/',
      { ...authed, schema: doc('Change your wishlist settings', { 200: S.Settings }, { body: S.SettingsPatch }) },
      async (req) => settingsOut(await sharing.updateSettings(actorOf(req).userId, req.body)),
    );
    drfOptions(app, '/api/users/me/settings/', ['GET', 'PATCH'], auth.required);

    app.get(
      '/api/shared/:token/',
      {
        ...drf,
        preHandler: auth.optional,
        schema: {
          summary: 'A shared list: the owner’s active wishes, read-only, for anyone with the link',
          params: S.ShareToken,
          response: { 200: S.SharedList, 401: S.Detail, 404: S.Detail },
        },
      },
      async (req: FastifyRequest) => {
        const { owner, wishes } = await sharing.sharedList((req.params as { token: string }).token);
        const visitor = req.wishActor?.userId;
        return {
          owner: { username: owner.username, first_name: owner.firstName, last_name: owner.lastName },
          wishes: wishes.map((w) => S.publicWish(w, visitor)),
        };
      },
    );
    drfOptions(app, '/api/shared/:token/', ['GET'], auth.optional);

    const target = (req: FastifyRequest) => req.params as { token: string; id: string };
    const reserve = '/api/shared/:token/wishes/:id/reserve/';
    app.post(
      reserve,
      {
        ...authed,
        schema: doc(
          'Reserve a wish of a shared list (409 when someone already has)',
          { 200: S.PublicWish, 403: S.Detail, 409: S.Detail },
          { params: S.SharedWishParams },
        ),
      },
      async (req) => {
        const visitor = actorOf(req).userId;
        const { token, id } = target(req);
        return S.publicWish(await sharing.reserve(token, id, visitor), visitor);
      },
    );
    app.delete(
      reserve,
      {
        ...authed,
        schema: doc(
          'Cancel your reservation',
          { 204: { type: 'null', description: 'Cancelled' }, 409: S.Detail },
          { params: S.SharedWishParams },
        ),
      },
      async (req, reply) => {
        const { token, id } = target(req);
        await sharing.unreserve(token, id, actorOf(req).userId);
        return reply.code(204).send();
      },
    );
    drfOptions(app, reserve, ['POST', 'DELETE'], auth.required);
  };
}
