import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlatformContext } from '../../platform/context.js';
import { enforceLimit } from '../../platform/ratelimit/guard.js';
import type { RateLimiter } from '../../platform/ratelimit/rate-limiter.js';
import type { Actor, IdentityApi } from '../identity/index.js';
import { badParameters, CODES, dbUnavailable, fail, isDatabaseDown } from './messenger.errors.js';
import type { LiveHub } from './messenger.live.js';
import * as S from './messenger.schemas.js';
import type { MessengerService } from './messenger.service.js';

const PUBLIC = { public: true };
/** Every route but the public ones takes `Authorization: session_id <id>`. */
const security = [{ sessionId: [] as string[] }];
const actors = new WeakMap<FastifyRequest, Actor>();
const actorOf = (req: FastifyRequest) => actors.get(req)!;

/** The session id of an `Authorization: session_id <id>` header, however spaced or cased, if it looks like one. */
const SESSION_HEADER = /^\s*session_id\s+([A-Za-z0-9_-]{16,256})\s*$/i;
const sessionToken = (auth: string | undefined) => (auth ? SESSION_HEADER.exec(auth)?.[1] : undefined);

/**
 * JSON text → value; a NUL character anywhere (PostgreSQL text cannot hold it) is bad-parameters. A number
 * given for a field is taken as its text (the contract accepts `{"chat_name": 123}`); bodies are not coerced
 * by the validator.
 */
function parseBody(text: string): unknown {
  const body: unknown = JSON.parse(text, (key, value: unknown) => {
    if (key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000'))) throw badParameters();
    return value;
  });
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const fields = body as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields)) if (typeof v === 'number') fields[k] = String(v);
  return fields;
}

/** HTTP layer of the messenger contract: parse → service → reply; every error is {"message": "<code>"}. */
export function messengerRoutes(
  ctx: PlatformContext,
  identity: IdentityApi,
  service: MessengerService,
  live: LiveHub,
  limiter: RateLimiter,
) {
  const { config } = ctx;
  const hashed = (token: string) => createHash('sha1').update(token).digest('base64url');
  /** Counts a request against `key`; 429 request-limit-exceeded with Retry-After beyond the limit. */
  const throttle = (key: string) =>
    enforceLimit(limiter, undefined, `msgr:rl:${key}`, config.MESSENGER_RATE_LIMIT_PER_SECOND, 1);
  return async (scope: FastifyInstance) => {
    await scope.register(async (plain) => {
      const app = plain.withTypeProvider<TypeBoxTypeProvider>();
      // The seed's clients send JSON under any Content-Type (or none): every body is parsed as JSON here.
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.BODY_LIMIT }, (_req, body, done) => {
        const text = String(body);
        if (!text.trim()) return done(null, undefined);
        try {
          done(null, parseBody(text));
        } catch {
          done(badParameters(), undefined);
        }
      });
      // A database that cannot be reached answers 503 and the service recovers with it.
      app.setErrorHandler((err) => {
        throw isDatabaseDown(err) ? dbUnavailable() : err;
      });

      app.addHook('onRequest', async (req) => {
        const auth = req.headers.authorization;
        const limits = config.MESSENGER_RATE_LIMIT_ENABLED;
        // Per session when the header carries one (a key that spacing or junk cannot vary), else per IP.
        const token = sessionToken(auth);
        if (limits) await throttle(token ? `s:${hashed(token)}` : `ip:${req.ip}`);
        if ((req.routeOptions.config as { public?: boolean } | undefined)?.public) return;
        const query = req.query as { session_id?: unknown } | undefined;
        try {
          // Browsers cannot set headers on a websocket: the live stream also takes ?session_id=.
          const actor =
            auth === undefined &&
            typeof query?.session_id === 'string' &&
            req.routeOptions.url?.endsWith('/v1/live') === true
              ? await identity.service.resolveSessionId(query.session_id)
              : await identity.resolve(req, { accept: ['session'] });
          actors.set(req, actor);
        } catch (err) {
          // A session id that does not resolve leaves the caller anonymous: the request counts against its IP
          // too, so that made-up session ids buy no extra requests.
          if (limits && token) await throttle(`ip:${req.ip}`);
          throw err;
        }
      });

      const empty = { response: { 200: S.Empty, 503: S.replies({})[503] } };
      app.get('/ping', { config: PUBLIC, schema: empty }, async (_req, reply) =>
        reply.code(200).send(undefined as never),
      );
      app.get('/ping_db', { config: PUBLIC, schema: empty }, async (_req, reply) => {
        const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref());
        const ok = await Promise.race([ctx.database.ping(), timeout]).then(
          () => true,
          () => false,
        );
        if (!ok) throw dbUnavailable();
        return reply.code(200).send(undefined as never);
      });

      app.post(
        '/v1/auth/register',
        { config: PUBLIC, schema: { body: S.Credentials, response: S.replies({ 201: S.Empty }) } },
        async (req, reply) => {
          await service.register(req.body.user_name, req.body.password);
          return reply.code(201).send(undefined as never);
        },
      );
      app.post(
        '/v1/auth/login',
        { config: PUBLIC, schema: { body: S.Credentials, response: S.replies({ 200: S.SessionOut }) } },
        async (req) => ({
          session_id: await service.login(req.body.user_name, req.body.password, {
            ip: req.ip,
            userAgent: req.headers['user-agent'],
          }),
        }),
      );
      app.post(
        '/v1/auth/logout',
        { schema: { security, response: S.replies({ 200: S.Empty }) } },
        async (req, reply) => {
          await service.logout(actorOf(req));
          return reply.code(200).send(undefined as never);
        },
      );

      app.post(
        '/v1/chats',
        { schema: { security, body: S.NewChat, response: S.replies({ 201: S.ChatOut }) } },
        async (req, reply) =>
          reply.code(201).send({ chat_id: await service.createChat(actorOf(req), req.body.chat_name) }),
      );
      app.post(
        '/v1/chats/:chat_id/users',
        { schema: { security, params: S.ChatParams, body: S.NewMember, response: S.replies({ 201: S.MemberOut }) } },
        async (req, reply) =>
          reply.code(201).send({ user_id: await service.join(actorOf(req), req.params.chat_id, req.body.user_name) }),
      );
      app.post(
        '/v1/chats/:chat_id/messages',
        {
          schema: {
            security,
            params: S.ChatParams,
            querystring: S.PostQuery,
            body: S.NewMessage,
            response: S.replies({ 201: S.MessageOut }),
          },
        },
        async (req, reply) => {
          const id = await service.post(actorOf(req), req.params.chat_id, req.query.user_id, req.body.message);
          return reply.code(201).send({ message_id: id });
        },
      );
      app.get(
        '/v1/chats/:chat_id/messages',
        {
          schema: {
            security,
            params: S.ChatParams,
            querystring: S.PageQuery,
            response: S.replies({ 200: S.HistoryOut }),
          },
        },
        async (req) => service.history(actorOf(req), req.params.chat_id, req.query.limit, req.query.from),
      );

      app.post(
        '/v1/chats/search',
        { schema: { security, body: S.NewSearch, response: S.replies({ 201: S.TaskOut }) } },
        async (req, reply) =>
          reply.code(201).send({ task_id: await service.startSearch(actorOf(req), req.body.message) }),
      );
      // Beyond the seed: the same search answered at once, for clients that don't want to poll a task.
      app.get(
        '/v1/chats/search/messages',
        { schema: { security, querystring: S.SearchNowQuery, response: S.replies({ 200: S.HitsOut }) } },
        async (req) => service.searchNow(actorOf(req), req.query.message, req.query.limit, req.query.from),
      );
      app.get(
        '/v1/chats/search/status/:task_id',
        { schema: { security, params: S.TaskParams, response: S.replies({ 200: S.StatusOut }) } },
        async (req) => ({ status: (await service.searchStatus(actorOf(req), req.params.task_id)) as 'WAITING' }),
      );
      app.get(
        '/v1/chats/search/:task_id/messages',
        {
          schema: { security, params: S.TaskParams, querystring: S.PageQuery, response: S.replies({ 200: S.HitsOut }) },
        },
        async (req) => service.searchResults(actorOf(req), req.params.task_id, req.query.limit, req.query.from),
      );

      // Live stream of new messages in the caller's chats (JSON frames), fanned out through Redis when set.
      app.get('/v1/live', { websocket: true, schema: { hide: true } }, (socket, req) => {
        const detach = live.attach(actorOf(req).userId, socket);
        socket.on('close', detach);
        socket.send(JSON.stringify({ type: 'ready' }));
      });

      // Unknown paths under the prefix, the prefix itself included: the auth hook answered 401 already when
      // the caller is anonymous. (With CORS configured, its hook answers preflight OPTIONS before any route.)
      for (const url of ['/', '/*']) {
        app.route({
          method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
          url,
          schema: { hide: true },
          handler: async () => {
            throw fail(404, CODES.NOT_FOUND);
          },
        });
      }
    });
  };
}
