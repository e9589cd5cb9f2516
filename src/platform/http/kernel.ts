import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { PlatformContext } from '../context.js';
import type { AgoraModule } from './module.js';
import { AppError } from '../errors.js';
import { EMPTY_JSON_BODY, toAppError } from './errors.js';
import { holdsNul, nulRefused, parseFormBody, parseJsonBody } from './text.js';
import { lazyChild } from '../observability/logger.js';
import { defaultsOptional, finiteKeyword, lazySerializers, lazyValidators, markFinite } from './schemas.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Each app's mounted modules by path prefix (longest first), for answers given before any route matched. */
const mounted = new WeakMap<object, { base: string; mod: AgoraModule }[]>();

/** A path that does not decode (`/%ZZ`), refused before routing: 400 in the envelope of the module it is under. */
function badUrl(app: object, req: FastifyRequest, reply: FastifyReply) {
  const e = new AppError('BAD_URL', 400, 'Malformed URL');
  const mod = moduleOf(app, req.url);
  const out = mod ? mod.renderError(e, req, reply) : { status: 400, body: { detail: e.message } };
  void reply
    .headers(API_HEADERS)
    .header('x-request-id', req.id)
    .code(out.status ?? 400)
    .headers(out.headers ?? {})
    .send(out.body);
}

/** The module whose prefix holds `url` (the one mounted at the root when no other does). */
function moduleOf(app: object, url: string): AgoraModule | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return (mounted.get(app) ?? []).find(({ base }) => base === '' || path === base || path.startsWith(`${base}/`))?.mod;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The module that mounted the route (set by mountModule). */
    module?: string;
    /** The module answers NUL characters itself, in its contract's words (see AgoraModule.checksText). */
    checksText?: boolean;
  }
  interface FastifyRequest {
    /**
     * The origin (scheme://host[:port]) to build absolute links with: PUBLIC_URL when it is set, so a request's
     * Host header cannot put another site into them; the request's own scheme and host otherwise.
     */
    readonly publicOrigin: string;
  }
}

/** The Fastify instance with every cross-cutting concern: ids, access log, metrics, limits, CORS, headers. */
export async function createServer(ctx: PlatformContext): Promise<FastifyInstance> {
  const { config, metrics } = ctx;
  const app = Fastify({
    loggerInstance: ctx.log,
    // One access-log line per request comes from our onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // A request's child logger is made only if the request logs something.
    childLoggerFactory: (logger, bindings, opts) => lazyChild(logger as Logger, bindings, opts),
    bodyLimit: config.BODY_LIMIT,
    trustProxy: config.TRUST_PROXY,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: {
      customOptions: { coerceTypes: 'array', removeAdditional: true, useDefaults: true, allErrors: false },
      plugins: [finiteKeyword],
    },
    schemaController: { compilersFactory: { buildValidator: lazyValidators, buildSerializer: lazySerializers } },
    frameworkErrors: (_error, req, reply) =>
      badUrl(req.server, req as FastifyRequest, reply as unknown as FastifyReply),
  }).withTypeProvider<TypeBoxTypeProvider>();
  let publicOrigin = '';
  try {
    publicOrigin = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : '';
  } catch {
    throw new Error(`PUBLIC_URL is not a URL (scheme://host[:port]): ${config.PUBLIC_URL}`);
  }
  app.decorateRequest('publicOrigin', {
    getter(this: FastifyRequest) {
      return publicOrigin || `${this.protocol}://${this.host}`;
    },
  });
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    for (const part of ['querystring', 'params', 'body', 'headers']) markFinite(schema?.[part]);
    if (schema?.querystring) schema.querystring = defaultsOptional(schema.querystring);
  });

  // Hooks on the hot path take callbacks rather than promises: no promise per request and hook.
  app.addHook('onRequest', (req, reply, done) => {
    reply.headers(API_HEADERS).header('x-request-id', req.id);
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const elapsedMs = reply.elapsedTime;
    metrics.http.record(req.method, route, reply.statusCode, elapsedMs / 1000);
    const q = req.url.indexOf('?');
    ctx.accessLog({
      reqId: req.id,
      status: reply.statusCode,
      method: req.method,
      route,
      path: q === -1 ? req.url : req.url.slice(0, q),
      size: Number(reply.getHeader('content-length') ?? 0),
      ip: req.ip,
      userAgent: req.headers['user-agent'] ?? '',
      durationMs: Math.round(elapsedMs * 100) / 100,
    });
    done();
  });

  if (config.CORS_ORIGINS.length) {
    const any = config.CORS_ORIGINS.includes('*');
    await app.register(cors, {
      origin: any ? true : config.CORS_ORIGINS,
      credentials: !any,
      exposedHeaders: [
        'X-Request-Id',
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
      ],
    });
  }
  // One websocket server for the process: modules declare `{ websocket: true }` routes (messenger's live stream,
  // notifications' socket); registering the plugin per module would route every upgrade once per registration.
  await app.register(websocket);
  // Bodies and parameters keep to the text rules of text.ts (no NUL, valid UTF-8) for every module.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    if (!(body as Buffer).length) return done(new AppError('BAD_REQUEST', 400, EMPTY_JSON_BODY), undefined);
    try {
      done(null, parseJsonBody(body as Buffer, { nul: !req.routeOptions.config?.checksText }));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      done(null, parseFormBody(body as Buffer, { nul: !req.routeOptions.config?.checksText }));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('preValidation', (req, _reply, done) => {
    const refuse = !req.routeOptions.config?.checksText && (holdsNul(req.query) || holdsNul(req.params));
    done(refuse ? nulRefused() : undefined);
  });

  // Platform routes answer in a FastAPI-like envelope; modules set their own handlers.
  app.setErrorHandler((err, req, reply) => {
    const e = toAppError(err);
    if (e.status >= 500) req.log.error({ err }, 'unhandled error');
    void reply
      .code(e.status)
      .headers(e.headers ?? {})
      .send({ detail: e.message, ...(e.details ? { errors: e.details } : {}) });
  });
  return app;
}

/** Registry of route owners: two modules claiming one route stop start-up with both names. */
export function guardRouteConflicts(app: FastifyInstance): { owner: string } {
  const owners = new Map<string, string>();
  const current = { owner: 'platform' };
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const key = `${method} ${route.url.replace(/\/+$/, '') || '/'}`;
      const prior = owners.get(key);
      if (prior && prior !== current.owner) {
        throw new Error(
          `Route conflict: ${key} is claimed by both "${prior}" and "${current.owner}". Move one with MOUNT_${current.owner.toUpperCase()}.`,
        );
      }
      owners.set(key, current.owner);
    }
  });
  return current;
}

/** Mounts a module at its prefix, with its error envelope for everything thrown under it. */
export async function mountModule(app: FastifyInstance, mod: AgoraModule, prefix: string): Promise<void> {
  const base = prefix === '/' ? '' : prefix.replace(/\/+$/, '');
  mounted.set(
    app,
    [...(mounted.get(app) ?? []), { base, mod }].sort((a, b) => b.base.length - a.base.length),
  );
  const envelope = (scope: FastifyInstance) => {
    scope.setErrorHandler((err, req, reply) => {
      const e = toAppError(err);
      if (e.status >= 500) req.log.error({ err }, 'unhandled error');
      const out = mod.renderError(e, req, reply);
      void reply
        .code(out.status ?? e.status)
        .headers({ ...(e.headers ?? {}), ...(out.headers ?? {}) })
        .send(out.body);
    });
    scope.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, tags: route.schema?.tags ?? [mod.name] };
      // The credential resolver reads which module a route belongs to (API-key scopes are per module).
      route.config = {
        ...route.config,
        module: mod.name,
        checksText: mod.checksText,
        authBeforeMethod: mod.authBeforeMethod,
      };
    });
  };
  await app.register(
    async (scope) => {
      envelope(scope);
      // A module at the root answers every unknown path; otherwise the platform does, outside prefixes.
      scope.setNotFoundHandler((req, reply) => {
        const out = mod.renderError(toAppError({ statusCode: 404, message: 'Not found.' }), req, reply);
        void reply
          .code(out.status ?? 404)
          .headers(out.headers ?? {})
          .send(out.body);
      });
      await mod.routes(scope);
    },
    { prefix: base },
  );
  const rootRoutes = mod.rootRoutes;
  if (rootRoutes && base !== '') {
    await app.register(async (scope) => {
      envelope(scope);
      await rootRoutes(scope);
    });
  }
}

/**
 * Headers of every API response, after the OWASP REST Security Cheat Sheet: an API answer is never a page,
 * so nothing may load from it or frame it. HTML pages (/docs, /redoc) set their own policy (PAGE_CSP).
 * They never vary per request, so the kernel sets them as one object.
 */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

/** The policy of the HTML pages the platform serves (helmet's defaults): scripts and styles from here only. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join(';');
