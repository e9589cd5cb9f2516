import type { PlatformContext } from '../../platform/context.js';
import type { AgoraModule } from '../../platform/http/module.js';
import type { FilesApi } from '../files/index.js';
import type { IdentityApi } from '../identity/index.js';
import { adminService } from './cinema.admin.js';
import { adminRoutes } from './cinema.admin.routes.js';
import { cinemaCache } from './cinema.cache.js';
import { catalogueService } from './cinema.catalogue.js';
import { renderCinemaError } from './cinema.errors.js';
import { eventsService } from './cinema.events.js';
import { eventRoutes } from './cinema.events.routes.js';
import { cinemaPanel } from './cinema.panel.js';
import { catalogueRoutes, typedApp } from './cinema.routes.js';
import { seedCinema } from './cinema.seed.js';
import { ugcService } from './cinema.ugc.js';
import { ugcRoutes } from './cinema.ugc.routes.js';

/** The online cinema of seed 4: catalogue with search, user content, viewing events (FastAPI envelopes). */
export function createCinemaModule(
  ctx: PlatformContext,
  deps: { identity: IdentityApi; files: FilesApi },
): AgoraModule {
  const { config } = ctx;
  const db = ctx.database.db;
  const cache = cinemaCache(ctx.cache, config.CINEMA_CACHE_TTL);
  const catalogue = catalogueService({ db, cache, files: deps.files, rankAll: config.CINEMA_SEARCH_RANK_ALL });
  const ugc = ugcService({ db, clock: ctx.clock, cache });
  const admin = adminService({ db, clock: ctx.clock, cache, files: deps.files });
  const viewing = eventsService({ db, jobs: ctx.jobs, clock: ctx.clock });
  const filesMount = config.MOUNT_FILES === '/' ? '' : config.MOUNT_FILES.replace(/\/+$/, '');
  return {
    name: 'cinema',
    description:
      'Online cinema: films, genres and persons with typo-tolerant search, ratings, reviews, bookmarks, viewing events',
    routes: async (root) => {
      const app = typedApp(root);
      catalogueRoutes(app, catalogue, deps.identity, { ttl: config.CINEMA_CACHE_TTL, filesMount });
      ugcRoutes(app, ugc, deps.identity);
      eventRoutes(app, viewing, deps.identity);
      await root.register(adminRoutes(admin, deps.identity));
    },
    renderError: renderCinemaError,
    admin: cinemaPanel({ db, admin, ugc, identity: deps.identity }),
    seed: () => seedCinema(db),
  };
}
