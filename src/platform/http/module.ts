import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../errors.js';
import type { PlatformContext } from '../context.js';

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
  close?(): Promise<void>;
  /**
   * The module refuses NUL characters itself, with its contract's own answer (DRF's "Null characters are not
   * allowed."); otherwise the kernel refuses them in every body, query and path of the module (400).
   */
  checksText?: boolean;
}

export type ModuleFactory<Deps = unknown> = (ctx: PlatformContext, deps: Deps) => AgoraModule | Promise<AgoraModule>;
