import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { PlatformContext } from '../context.js';
import { AppError } from '../errors.js';

const Health = Type.Object({ status: Type.String() });
const Ready = Type.Object({
  status: Type.String(),
  checks: Type.Record(Type.String(), Type.String()),
});

/** /health, /ready and /metrics. */
export async function platformRoutes(app: FastifyInstance, ctx: PlatformContext): Promise<void> {
  const health = {
    schema: { tags: ['platform'], summary: 'Liveness: the process answers', response: { 200: Health } },
  };
  app.get('/health', health, async () => ({ status: 'ok' }));

  app.get(
    '/ready',
    {
      schema: {
        tags: ['platform'],
        summary: 'Readiness: the database and every configured Redis/RabbitMQ answer',
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_req, reply) => {
      const checks: Record<string, string> = {};
      await Promise.all(
        Object.entries(ctx.readiness).map(async ([name, check]) => {
          try {
            await withTimeout(check(), 3000);
            checks[name] = 'ok';
          } catch (err) {
            checks[name] = `failed: ${(err as Error).message || 'no answer'}`;
          }
        }),
      );
      const ok = Object.values(checks).every((v) => v === 'ok');
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
    },
  );

  const allowed = metricsGuard(ctx.config.METRICS_TOKEN);
  app.get(
    '/metrics',
    { schema: { tags: ['platform'], summary: 'Prometheus metrics', hide: true } },
    async (req, reply) => {
      if (!allowed(req.headers.authorization)) {
        throw new AppError('METRICS_TOKEN', 401, 'Metrics need "Authorization: Bearer <METRICS_TOKEN>"', undefined, {
          'www-authenticate': 'Bearer realm="metrics"',
        });
      }
      const body = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(body);
    },
  );
}

/**
 * With METRICS_TOKEN set, /metrics answers only `Authorization: Bearer <token>` (what Prometheus sends with
 * `authorization.credentials_file`); compared through digests, so the time taken does not tell the token.
 */
function metricsGuard(token: string): (header: string | undefined) => boolean {
  if (!token) return () => true;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = digest(token);
  return (header) => {
    const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
