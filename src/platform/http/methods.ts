import type { FastifyInstance, FastifyRequest, RouteOptions, onRequestHookHandler } from 'fastify';
import { AppError } from '../errors.js';

/** The order of the Allow header (Django REST framework's, which the wishlist's clients read). */
const ALLOW_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
/** Methods a path lacks answer 405. OPTIONS keeps its own answers (CORS preflight, a module's metadata). */
const ANSWERED = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Credentials are checked before the method, as Django REST framework does (see AgoraModule). */
    authBeforeMethod?: boolean;
  }
}

interface PathRoutes {
  /** Where the path's first route was declared: the 405 is answered in the same scope (hooks, envelope). */
  scope: FastifyInstance;
  /** The first route's options, read when the answers are added (mountModule completes its config). */
  first: RouteOptions & { routePath?: string };
  methods: Set<string>;
}

export const methodNotAllowed = (method: string, allow: string) =>
  new AppError('METHOD_NOT_ALLOWED', 405, `Method "${method}" not allowed.`, undefined, { allow });

/** One key per path whatever its parameter names and trailing slash (the router ignores both). */
const pathKey = (url: string) => (url.replace(/\/+$/, '') || '/').replace(/:[^/]+/g, ':');

/**
 * Every route path with its methods, collected as routes are declared. Wildcard paths (catch-alls, static
 * assets, the CORS preflight route) are no resources and are left out.
 */
export function trackRoutes(app: FastifyInstance): Map<string, PathRoutes> {
  const paths = new Map<string, PathRoutes>();
  app.addHook('onRoute', function (this: FastifyInstance, route) {
    if (route.url.includes('*') || route.config?.methodGuard) return;
    const key = pathKey(route.url);
    const entry = paths.get(key) ?? { scope: this, first: route, methods: new Set<string>() };
    for (const m of [route.method].flat()) entry.methods.add(m);
    paths.set(key, entry);
  });
  return paths;
}

/**
 * Adds, for every known path, a route answering the methods it lacks with 405 and an `Allow` header, in the
 * scope that declared the path: its module's hooks run first (the messenger's 401 before anything) and its
 * envelope renders the error. Call once every route is declared.
 */
export function answerMissingMethods(paths: Map<string, PathRoutes>): void {
  for (const { scope, first, methods } of paths.values()) {
    const missing = ANSWERED.filter((m) => !methods.has(m));
    if (!missing.length) continue;
    const allow = ALLOW_ORDER.filter((m) => methods.has(m)).join(', ');
    const config = { ...first.config, methodGuard: true };
    // Answered in onRequest, before any body is read: a body is no reason to refuse first.
    const refuse: onRequestHookHandler = (req: FastifyRequest, _reply, done) =>
      done(methodNotAllowed(req.method, allow));
    const checks = config.authBeforeMethod ? [first.preHandler ?? []].flat() : [];
    scope.route({
      method: missing,
      url: first.routePath ?? first.url,
      schema: { hide: true },
      config,
      exposeHeadRoute: false,
      onRequest: [...(checks as onRequestHookHandler[]), refuse],
      handler: async () => undefined,
    });
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route added by answerMissingMethods. */
    methodGuard?: boolean;
  }
}
