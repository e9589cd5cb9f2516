import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import { AppError } from '../../platform/errors.js';
import { fileReply, multipartForm } from '../../platform/http/docs.js';
import { sendFile, type FilesApi } from '../files/index.js';
import type { IdentityApi } from '../identity/index.js';
import * as S from './microblog.schemas.js';
import type { MicroblogService } from './microblog.service.js';

const security = [{ apiKey: [] as string[] }];

/**
 * Ajv coerces types app-wide ("5" → [5], [true] → [1], 5 → "5"); the contract's body is JSON with real types, so
 * the raw values are checked before the schema sees them.
 */
function assertStrictTweetBody(body: unknown) {
  const { tweet_data: data, tweet_media_ids: ids } = (body ?? {}) as Record<string, unknown>;
  if (data !== undefined && typeof data !== 'string') {
    throw new AppError('VALIDATION_FAILED', 422, 'tweet_data: must be a string');
  }
  if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => Number.isInteger(id)))) {
    throw new AppError('VALIDATION_FAILED', 422, 'tweet_media_ids: must be an array of integers');
  }
}

/** An attached image by content address: public, immutable (cached forever, revalidated by ETag when asked). */
const mediaSchema = {
  summary: 'An attached image by content address (public, immutable)',
  params: S.MediaParams,
  response: { 200: fileReply('the image'), 206: fileReply('a range of the image'), 304: Type.Null(), ...S.errors },
};

export function mediaRoute(service: MicroblogService, files: FilesApi) {
  return async (req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    const file = await service.mediaFile(req.params.name);
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    if (req.headers['if-none-match'] === `"${file.sha256}"`) {
      return reply.code(304).header('etag', `"${file.sha256}"`).send();
    }
    return sendFile(files, file, req, reply, 'inline');
  };
}

/**
 * `/api/medias/<name>` at the root too: attachment URLs are `/api/medias/...` by default, which a browser
 * loads both from Agora directly and through the course frontend's proxy (`/api/` → `<mount>/api/`).
 */
export function microblogRootRoutes(service: MicroblogService, files: FilesApi) {
  return async (app: FastifyInstance) => {
    app.get('/api/medias/:name', { schema: { ...mediaSchema, hide: true } }, mediaRoute(service, files));
  };
}

export function microblogRoutes(
  service: MicroblogService,
  identity: IdentityApi,
  files: FilesApi,
  opts: { maxBytes: number; mediaBase: (req: FastifyRequest) => string },
) {
  const { maxBytes } = opts;
  /** The caller's numeric profile, from the `api-key` header only. */
  const me = async (req: FastifyRequest) =>
    (await service.profileOf(await identity.resolve(req, { accept: ['apikey'] }))).id;
  const serveMedia = mediaRoute(service, files);

  return async function routes(root: FastifyInstance) {
    await root.register(multipart, { limits: { files: 1, fields: 10, parts: 20, fileSize: maxBytes } });
    const app = root.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/api/tweets',
      {
        schema: {
          summary: 'Post a tweet',
          body: S.TweetBody,
          response: { 201: S.TweetCreated, ...S.errors },
          security,
        },
        preValidation: async (req) => assertStrictTweetBody(req.body),
      },
      async (req, reply) => {
        const tweetId = await service.createTweet(await me(req), req.body.tweet_data, req.body.tweet_media_ids);
        return reply.code(201).send({ result: true as const, tweet_id: tweetId });
      },
    );

    app.delete(
      '/api/tweets/:id',
      {
        schema: {
          summary: 'Delete own tweet with its likes and media',
          params: S.IdParams,
          response: { 200: S.Ok, ...S.errors },
          security,
        },
      },
      async (req) => {
        await service.deleteTweet(await me(req), req.params.id);
        return { result: true as const };
      },
    );

    app.post(
      '/api/medias',
      {
        schema: {
          summary: 'Upload an image (multipart field `file`): JPEG, PNG, GIF or WebP',
          body: multipartForm({ file: 'the image: JPEG, PNG, GIF or WebP' }),
          response: { 201: S.MediaCreated, ...S.errors },
          security,
        },
      },
      async (req, reply) => {
        const user = await identity.resolve(req, { accept: ['apikey'] });
        const profile = await service.profileOf(user);
        if (!req.isMultipart())
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'Send the image as multipart/form-data');
        const part = await req.file();
        if (!part || part.fieldname !== 'file')
          throw new AppError('BAD_REQUEST', 400, 'Multipart field "file" is required');
        const mediaId = await service.uploadMedia(profile.id, user.userId, part.filename, part.file);
        return reply.code(201).send({ result: true as const, media_id: mediaId });
      },
    );

    /** POST adds (201 the first time, 200 when already there), DELETE removes: likes and follows alike. */
    const toggle = (
      path: string,
      summaries: { add: string; remove: string },
      add: (me: number, id: number) => Promise<boolean>,
      remove: (me: number, id: number) => Promise<void>,
    ) => {
      const schema = (summary: string) => ({
        schema: { summary, params: S.IdParams, response: { 200: S.Ok, 201: S.Ok, ...S.errors }, security },
      });
      app.post(path, schema(summaries.add), async (req, reply) => {
        const added = await add(await me(req), req.params.id);
        return reply.code(added ? 201 : 200).send({ result: true as const });
      });
      app.delete(path, schema(summaries.remove), async (req, reply) => {
        await remove(await me(req), req.params.id);
        return reply.send({ result: true as const });
      });
    };
    toggle(
      '/api/tweets/:id/likes',
      { add: 'Like a tweet (201 first time, 200 when already liked)', remove: 'Remove a like' },
      service.like,
      service.unlike,
    );
    toggle(
      '/api/users/:id/follow',
      { add: 'Follow a user (201 first time, 200 when already following)', remove: 'Unfollow a user' },
      service.follow,
      service.unfollow,
    );

    app.get(
      '/api/tweets',
      {
        schema: {
          summary: "Feed: own and followed users' tweets, most liked first, then newest",
          querystring: S.FeedQuery,
          response: { 200: S.Feed, ...S.errors },
          security,
        },
      },
      async (req) => {
        const { tweets, nextCursor } = await service.feed(await me(req), {
          page: req.query.offset,
          cursor: req.query.cursor,
          limit: req.query.limit,
          mediaBase: opts.mediaBase(req),
        });
        return { result: true as const, tweets, next_cursor: nextCursor };
      },
    );

    app.get(
      '/api/users/me',
      {
        schema: {
          summary: 'The caller with followers and following',
          response: { 200: S.Profile, ...S.errors },
          security,
        },
      },
      async (req) => ({ result: true as const, user: await service.profile(await me(req)) }),
    );

    app.get(
      '/api/users/:id',
      {
        schema: {
          summary: 'A user with followers and following',
          params: S.IdParams,
          response: { 200: S.Profile, ...S.errors },
          security,
        },
      },
      async (req) => {
        await me(req);
        return { result: true as const, user: await service.profile(req.params.id) };
      },
    );

    app.get('/media/:name', { schema: mediaSchema }, serveMedia);
    app.get('/api/medias/:name', { schema: { ...mediaSchema, hide: true } }, serveMedia);
  };
}
