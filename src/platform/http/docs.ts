import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { PAGE_CSP } from './kernel.js';

const require = createRequire(import.meta.url);

/** Collects route schemas into one OpenAPI 3 document. Register before any route. */
export async function registerOpenApi(app: FastifyInstance, tags: { name: string; description: string }[]) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Agora',
        description:
          'One platform serving wishlist, backoffice, messenger, microblog and cinema, with shared identity, files and notifications.',
        version: '0.1.0',
      },
      tags: [{ name: 'platform', description: 'Health, readiness, metrics' }, ...tags],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An access token from identity (`/idp/api/v1/users/token`) or the wishlist login',
          },
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'api-key',
            description: 'An identity API key (`agora apikey create`, `/idp/api/v1/api-keys/`)',
          },
          sessionId: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'The value `session_id <id>`, with the id from `POST /messenger/v1/auth/login`',
          },
        },
      },
    },
    transformObject: (doc) =>
      'openapiObject' in doc ? optionalBodies(doc.openapiObject as OpenApiDoc) : doc.swaggerObject,
  });
}

type OpenApiDoc = { paths?: Record<string, Record<string, Record<string, unknown>>> };
/** Route schema key: the route also takes no body at all (an empty body reads as `{}`). */
export const OPTIONAL_BODY = 'x-optional-body';

/**
 * @fastify/swagger marks every request body required; routes that read a missing body as `{}` say so. The
 * kernel's own validation keyword (`finite`, see kernel.ts) is no OpenAPI and is left out.
 */
function optionalBodies(doc: OpenApiDoc): OpenApiDoc {
  dropKeyword(doc.paths, 'finite');
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops)) {
      if (!op[OPTIONAL_BODY]) continue;
      delete op[OPTIONAL_BODY];
      if (op.requestBody) (op.requestBody as { required: boolean }).required = false;
    }
  }
  return doc;
}

function dropKeyword(node: unknown, keyword: string, depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 40) return;
  if (Array.isArray(node)) return node.forEach((n) => dropKeyword(n, keyword, depth + 1));
  const o = node as Record<string, unknown>;
  if (o[keyword] === true) delete o[keyword];
  for (const value of Object.values(o)) dropKeyword(value, keyword, depth + 1);
}

const binary = (description: string) => ({ type: 'string', format: 'binary', description });

/**
 * A multipart/form-data request body of file parts, for the route's `schema.body`. It documents the form;
 * the kernel does not validate it (the parts are streamed to the handler, which reads and checks them).
 */
export const multipartForm = (files: Record<string, string>) => ({
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: Object.keys(files),
        properties: Object.fromEntries(Object.entries(files).map(([name, about]) => [name, binary(about)])),
      },
    },
  },
});

/** A response whose body is a stored file, of whatever type the file has. */
export const fileReply = (description: string) => ({
  description,
  content: { '*/*': { schema: binary(description) } },
});

/** /docs (Swagger UI), /redoc (ReDoc) and /openapi.json; every asset is served from node_modules, no CDN. */
export async function registerDocs(app: FastifyInstance) {
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const redocBundle = join(dirname(require.resolve('redoc/package.json')), 'bundles', 'redoc.standalone.js');
  app.get('/redoc/redoc.standalone.js', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .type('application/javascript')
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(redocBundle)),
  );
  app.get('/redoc', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html').header('content-security-policy', PAGE_CSP).header('x-frame-options', 'SAMEORIGIN')
      .send(`<!doctype html>
<html><head><meta charset="utf-8"><title>Agora API — ReDoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><div id="redoc"></div><script src="/redoc/redoc.standalone.js"></script>
<script src="/redoc/init.js"></script></body></html>`),
  );
  // An external script rather than an inline one, so the strict CSP holds.
  app.get('/redoc/init.js', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('application/javascript').send(`Redoc.init('/openapi.json', {}, document.getElementById('redoc'));`),
  );
}
