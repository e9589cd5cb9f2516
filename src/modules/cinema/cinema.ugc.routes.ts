import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { IdentityApi } from '../identity/index.js';
import { invalid } from './cinema.errors.js';
import { API, callers, type TypedApp } from './cinema.routes.js';
import * as S from './cinema.schemas.js';
import type { UgcService } from './cinema.ugc.js';

/** Ratings, reviews, reactions and bookmarks: the user is always the bearer token's, never the body's. */
export function ugcRoutes(app: TypedApp, service: UgcService, identity: IdentityApi) {
  const required = callers(identity).required;
  // The caller is resolved before the request is validated: no credentials is 401 whatever the body.
  const users = new WeakMap<FastifyRequest, string>();
  const auth = {
    preValidation: async (req: FastifyRequest) => void users.set(req, await required(req)),
  };
  const me = async (req: FastifyRequest) => users.get(req)!;
  // A bare JSON value (`null` included) is the whole body here: a request with none is refused as FastAPI does.
  const bodyRequired = {
    preHandler: async (req: FastifyRequest) => {
      if (req.body === undefined) throw invalid(['body'], 'Field required', 'missing');
    },
  };

  app.patch(
    `${API}/films/rating/:film_id`,
    {
      schema: {
        summary: 'Rate a film 0..10, or remove your rating with null',
        params: S.FilmParams,
        body: S.RatingBody,
        response: { 200: S.RatingOut, ...S.errors },
        security: S.bearer,
      },
      ...auth,
      ...bodyRequired,
    },
    async (req) => service.rate(await me(req), req.params.film_id, req.body),
  );

  app.get(
    `${API}/films/rating/me`,
    {
      schema: {
        summary: 'Your ratings: {film_id: rating}',
        response: { 200: S.MyRatings, ...S.errors },
        security: S.bearer,
      },
      ...auth,
    },
    async (req) => service.myRatings(await me(req)),
  );

  app.post(
    `${API}/films/reviews/:id`,
    {
      schema: {
        summary: 'Review a film (once per user)',
        params: S.ReviewsFilmParams,
        body: S.ReviewBody,
        response: { 201: S.FilmReview, ...S.errors, ...S.Conflict },
        security: S.bearer,
      },
      ...auth,
    },
    async (req, reply) => reply.code(201).send(await service.review(await me(req), req.params.id, req.body.review)),
  );

  app.get(
    `${API}/films/reviews/user`,
    {
      schema: { summary: 'Your reviews', response: { 200: Type.Array(S.FilmReview), ...S.errors }, security: S.bearer },
      ...auth,
    },
    async (req) => service.userReviews(await me(req)),
  );

  app.get(
    `${API}/films/reviews/:id`,
    {
      schema: {
        summary: "A film's reviews: most likes first, then fewest dislikes, newest first on ties",
        params: S.ReviewsFilmParams,
        querystring: S.Page,
        response: { 200: Type.Array(S.FilmReview), ...S.errors },
      },
    },
    async (req) => service.filmReviews(req.params.id, req.query),
  );

  app.patch(
    `${API}/films/reviews/:id`,
    {
      schema: {
        summary: 'Agree (true) or disagree (false) with a review, or take it back (null)',
        params: S.ReviewIdParams,
        body: S.ReactionBody,
        response: { 200: S.FilmReview, ...S.errors },
        security: S.bearer,
      },
      ...auth,
      ...bodyRequired,
    },
    async (req) => service.react(await me(req), req.params.id, req.body),
  );

  app.post(
    `${API}/user/bookmarks/`,
    {
      schema: {
        summary: 'Bookmark a film (201; 200 with the existing bookmark when it is already there)',
        querystring: S.BookmarkQuery,
        response: { 200: S.Bookmark, 201: S.Bookmark, ...S.errors },
        security: S.bearer,
      },
      ...auth,
    },
    async (req, reply) => {
      const { bookmark, created } = await service.bookmark(await me(req), req.query.film_id);
      return reply.code(created ? 201 : 200).send(bookmark);
    },
  );

  app.delete(
    `${API}/user/bookmarks/:bookmark_id`,
    {
      schema: {
        summary: 'Remove one of your bookmarks (another user’s answers 404)',
        params: S.BookmarkParams,
        response: { 204: Type.Null(), ...S.errors },
        security: S.bearer,
      },
      ...auth,
    },
    async (req, reply) => {
      await service.unbookmark(await me(req), req.params.bookmark_id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    `${API}/user/bookmarks/`,
    {
      schema: { summary: 'Your bookmarks', response: { 200: Type.Array(S.Bookmark), ...S.errors }, security: S.bearer },
      ...auth,
    },
    async (req) => service.bookmarks(await me(req)),
  );
}
