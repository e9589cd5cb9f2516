import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import { Detail, FieldErrors } from './wishlist.schemas.js';

type Hook = (req: FastifyRequest) => Promise<void>;

/**
 * Route options shared by every wishlist route. Bodies, params and queries are read by the module's own
 * DRF-style fields, so Ajv must neither reject nor coerce them (it would turn `null` into "" or false).
 */
export const drf = {
  validatorCompiler: () => () => true,
};

export const errorResponses = {
  400: FieldErrors,
  401: Detail,
  404: Detail,
};

/**
 * DRF's answer to OPTIONS on a view: its metadata, after authentication (CORS preflights are answered earlier,
 * by @fastify/cors). Methods a path lacks answer 405 through the kernel, which runs authentication first for
 * this module (`authBeforeMethod`), as DRF does.
 */
export function drfOptions(app: FastifyInstance, url: string, allowed: HTTPMethods[], auth?: Hook) {
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  app.route({
    method: 'OPTIONS',
    url,
    schema: { hide: true },
    ...drf,
    ...(auth ? { preHandler: auth } : {}),
    handler: async (_req, reply) =>
      reply.header('allow', allow).send({
        name: viewName(url),
        description: '',
        renders: ['application/json'],
        parses: ['application/json', 'application/x-www-form-urlencoded'],
      }),
  });
}

/** DRF's get_view_name, near enough: the last fixed path segment, title-cased ("/api/users/me/" → "Me"). */
function viewName(url: string): string {
  const fixed = url.split('/').filter((s) => s && !s.startsWith(':'));
  const last = (fixed.pop() ?? 'api').replace(/[-_]/g, ' ');
  return last.replace(/\b\w/g, (c) => c.toUpperCase());
}

export const bearerSecurity = [{ bearer: [] }];
