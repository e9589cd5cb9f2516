import type { PlatformContext } from '../../platform/context.js';
import type { AgoraModule } from '../../platform/http/module.js';
import type { FilesApi } from '../files/index.js';
import type { IdentityApi } from '../identity/index.js';
import { createAccess } from './backoffice.access.js';
import { backofficeAdmin } from './backoffice.admin.resources.js';
import { createAuth } from './backoffice.auth.js';
import type { ResourceDef } from './backoffice.crud.js';
import { branchesResource } from './backoffice.branches.js';
import { categoriesResource } from './backoffice.categories.js';
import { coursesResource } from './backoffice.courses.js';
import type { Deps } from './backoffice.deps.js';
import { employeesResource } from './backoffice.employees.js';
import { renderBackofficeError } from './backoffice.errors.js';
import { createFileStore } from './backoffice.files.js';
import { lessonsResource } from './backoffice.lessons.js';
import { partnersResource } from './backoffice.partners.js';
import { createPeople } from './backoffice.people.js';
import { createScopes } from './backoffice.scopes.js';
import { backofficeRoutes } from './backoffice.routes.js';
import { seedBackoffice } from './backoffice.seed.js';
import { usersResource } from './backoffice.users.js';

export type { Caller, Group, Resource, Action } from './backoffice.policy.js';

/** Resources keyed by integer or UUID ids, routed alike (the route parses the id by the resource's `idKind`). */
const anyId = (def: ResourceDef<number> | ResourceDef<string>) => def as unknown as ResourceDef;

/** What the admin panel (and other callers) may use of the back office besides its HTTP API. */
export interface BackofficeApi {
  /** The seed's fill_groups: creates the superuser/owner/teacher groups and their identity roles if missing. */
  ensureGroups(): Promise<string[]>;
  /** Blacklists a user's back-office refresh tokens: every back-office session of theirs ends at once. */
  blacklistUser(userId: string): Promise<number>;
  /** Deletes a back-office user (and its employee); the identity account is deactivated. */
  removeUser(userId: string): Promise<void>;
  /** Deletes the stored files no record points to any more (also a scheduled task). */
  sweepFiles(): Promise<{ deleted: number }>;
}

/** The seed-1 back office (DRF + SimpleJWT cookies) over identity accounts and the files service. */
export async function createBackofficeModule(
  ctx: PlatformContext,
  deps: { identity: IdentityApi; files: FilesApi },
): Promise<AgoraModule & { api: BackofficeApi }> {
  const { config } = ctx;
  const mount = config.MOUNT_BACKOFFICE === '/' ? '' : config.MOUNT_BACKOFFICE.replace(/\/+$/, '');
  const store = createFileStore({
    db: ctx.database.db,
    files: deps.files,
    clock: ctx.clock,
    log: ctx.log,
    maxBytes: config.BACKOFFICE_FILE_MAX_BYTES,
    urlTtl: config.BACKOFFICE_FILE_URL_TTL,
    mediaPath: `${mount}/media`,
  });
  const scopes = createScopes(ctx.database.db, ctx.cache, Math.min(10, config.SESSION_CACHE_TTL));
  const d: Deps = {
    db: ctx.database.db,
    identity: deps.identity,
    files: store,
    clock: ctx.clock,
    log: ctx.log,
    scopes,
  };
  const auth = createAuth(ctx, deps.identity, scopes, mount);
  const people = createPeople(d);
  const access = createAccess(d);
  // An account renamed elsewhere (the wishlist's PUT /users/me/) shows its new names here too: the handler reads the
  // account's current fields, so redelivered or reordered events cannot bring old ones back.
  ctx.jobs.subscribe('identity.user.updated', 'backoffice', async ({ userId }) => people.refreshFromIdentity(userId));
  // Groups are configuration the API needs (Django's fill_groups), not demo data: made at start when missing.
  await access.ensureGroups().catch((err: unknown) => ctx.log.warn({ err }, 'backoffice groups not ensured yet'));

  const api: BackofficeApi = {
    ensureGroups: () => access.ensureGroups(),
    blacklistUser: (userId) => auth.blacklistUser(userId),
    removeUser: (userId) => people.removeAccount(userId),
    sweepFiles: () => store.sweep(),
  };

  return {
    name: 'backoffice',
    description:
      'Back office of a school network (the Django REST + SimpleJWT cookie seed): partners, branches, employees, courses, lessons',
    routes: backofficeRoutes({
      auth,
      access,
      store,
      files: deps.files,
      maxBytes: config.BACKOFFICE_FILE_MAX_BYTES,
      resources: [
        usersResource(d, people),
        access.groups(),
        access.permissions(),
        partnersResource(d, people.removeAccount),
        employeesResource(d, people),
        branchesResource(d),
        coursesResource(d),
        categoriesResource(d),
        lessonsResource(d),
      ].map(anyId),
    }),
    renderError: renderBackofficeError,
    admin: backofficeAdmin(d, people, access, deps.identity),
    seed: () => seedBackoffice(d, people, access),
    tasks: [{ name: 'backoffice.files.sweep', everySeconds: 300, run: () => store.sweep() }],
    api,
  };
}
