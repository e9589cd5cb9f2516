import type { IdentityApi } from '../identity/index.js';
import type { EventsService } from './cinema.events.js';
import { API, callers, type TypedApp } from './cinema.routes.js';
import * as S from './cinema.schemas.js';

/** The seed's event intake (Flask envelope) and the caller's last progress in a film. */
export function eventRoutes(app: TypedApp, service: EventsService, identity: IdentityApi) {
  const caller = callers(identity);

  app.post(
    '/event',
    {
      schema: {
        summary: 'Record a viewing event (appended durably through the job queue); a bearer token’s user wins',
        body: S.EventBody,
        response: { 200: S.EventAccepted, 400: S.EventRefused, 401: S.EventRefused },
        security: S.optionalBearer,
      },
      // The body is checked by the service, to answer in the seed's own words (400 {"success": false, ...}).
      validatorCompiler: () => (value: unknown) => ({ value }),
    },
    async (req) => {
      await service.intake(req.body as unknown, await caller.optional(req));
      return { success: true as const };
    },
  );

  app.get(
    `${API}/films/:film_id/progress`,
    {
      schema: {
        summary: 'Your last viewing progress in a film (null when none was recorded)',
        params: S.FilmParams,
        response: { 200: S.Progress, ...S.errors },
        security: S.bearer,
      },
    },
    async (req) => service.progress(await caller.required(req), req.params.film_id),
  );
}
