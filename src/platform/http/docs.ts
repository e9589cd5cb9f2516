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
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'api-key' },
          sessionId: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'session_id <id>' },
        },
      },
    },
  });
}

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
