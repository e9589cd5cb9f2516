import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../errors.js';
import type { PlatformContext } from '../context.js';
import type { AdminSection } from '../admin/resource.js';

export const MODULE_NAMES = [
  'identity',
  'wishlist',
  'backoffice',
  'messenger',
  'microblog',
  'cinema',
  'files',
  'notifications',
  'admin',
] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

/** What a module's routes send for an error: its contract's envelope. */
export interface ErrorReply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ScheduledTask {
  name: string;
  everySeconds: number;
  run(): Promise<unknown>;
}

/**
 * A mountable module. The kernel registers `routes` under the module's prefix, renders every error
 * thrown there through `renderError`, and runs `tasks` in the worker.
 */
export interface AgoraModule {
  name: ModuleName;
  description: string;
  routes(app: FastifyInstance): Promise<void>;
  renderError(err: AppError, req: FastifyRequest, reply: FastifyReply): ErrorReply;
  /** Idempotent demo data; returns lines to print (demo logins). */
  seed?(): Promise<string[]>;
  tasks?: ScheduledTask[];
  /** What the admin panel shows of the module (declared in its `<module>.admin.ts`). */
  admin?: AdminSection;
  close?(): Promise<void>;
  /**
   * The module refuses NUL characters itself, with its contract's own answer (DRF's "Null characters are not
   * allowed."); otherwise the kernel refuses them in every body, query and path of the module (400).
   */
  checksText?: boolean;
  /**
   * The original checked credentials before the method (Django REST framework): a method a path lacks answers
   * 405 only after the path's own preHandlers (its authentication) pass. Otherwise the 405 comes first, as in
   * Starlette; a module's own onRequest hooks run first either way.
   */
  authBeforeMethod?: boolean;
  /**
   * Routes served at the root whatever the module's prefix, in its envelope (e.g. paths a client's proxy
   * forwards unchanged). Not registered when the module is mounted at the root: `routes` serves them there.
   */
  rootRoutes?(app: FastifyInstance): Promise<void>;
}

export type ModuleFactory<Deps = unknown> = (ctx: PlatformContext, deps: Deps) => AgoraModule | Promise<AgoraModule>;
