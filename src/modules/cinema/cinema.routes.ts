import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { IdentityApi } from '../identity/index.js';
import type { CatalogueService } from './cinema.catalogue.js';
import * as S from './cinema.schemas.js';

export const API = '/api/v1';
export type TypedApp = ReturnType<typeof typedApp>;
export const typedApp = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>();

/** The caller behind a bearer token: anonymous without one, 401 with a bad one. */
export function callers(identity: IdentityApi) {
  const opts = { accept: ['bearer' as const] };
  return {
    optional: async (req: FastifyRequest) =>
      identity.credentialOf(req, opts) ? (await identity.resolve(req, opts)).userId : undefined,
    required: async (req: FastifyRequest) => (await identity.resolve(req, opts)).userId,
  };
}

/**
 * Catalogue answers may be kept for `ttl` seconds by anyone when anonymous; a signed-in caller's answer holds
 * their own rating and bookmark, which their next write changes, so it is private and revalidated.
 */
const cacheControl = (reply: FastifyReply, userId: string | undefined, ttl: number) =>
  reply.header('cache-control', userId || ttl <= 0 ? 'private, no-cache' : `max-age=${ttl}`);

export function catalogueRoutes(
  app: TypedApp,
  service: CatalogueService,
  identity: IdentityApi,
  opts: { ttl: number; filesMount: string },
) {
  const { ttl } = opts;
  const caller = callers(identity);
  const read = { security: S.optionalBearer };
  const fileUrl = (req: FastifyRequest) => (url: string) =>
    `${req.protocol}://${req.host}${opts.filesMount}/api/v1/files/${url}`;

  app.get(
    `${API}/films/`,
    {
      schema: {
        summary: 'Films by IMDb rating, optionally of one genre',
        querystring: S.FilmsQuery,
        response: { 200: Type.Array(S.Film), ...S.errors },
        ...read,
      },
    },
    async (req, reply) => {
      const user = await caller.optional(req);
      cacheControl(reply, user, ttl);
      return service.films(req.query, user);
    },
  );

  app.get(
    `${API}/films/search`,
    {
      schema: {
        summary: 'Films by relevance to the query (typo-tolerant), then rating',
        querystring: S.SearchQuery,
        response: { 200: Type.Array(S.Film), ...S.errors },
        ...read,
      },
    },
    async (req, reply) => {
      const user = await caller.optional(req);
      cacheControl(reply, user, ttl);
      return service.search(req.query, user);
    },
  );

  app.get(
    `${API}/films/:film_id`,
    {
      schema: {
        summary: 'A film with genres, persons by role and a download URL of its file',
        params: S.FilmParams,
        response: { 200: S.FilmDetailed, ...S.errors },
        ...read,
      },
    },
    async (req, reply) => {
      const user = await caller.optional(req);
      const film = await service.film(req.params.film_id, user, fileUrl(req));
      cacheControl(reply, user, ttl);
      return film;
    },
  );

  app.get(
    `${API}/genres/`,
    { schema: { summary: 'All genres', response: { 200: Type.Array(S.Genre), ...S.errors } } },
    async (_req, reply) => {
      cacheControl(reply, undefined, ttl);
      return service.genres();
    },
  );

  app.get(
    `${API}/genres/:genre_id`,
    { schema: { summary: 'A genre', params: S.GenreParams, response: { 200: S.Genre, ...S.errors } } },
    async (req, reply) => {
      const genre = await service.genre(req.params.genre_id);
      cacheControl(reply, undefined, ttl);
      return genre;
    },
  );

  app.get(
    `${API}/persons/search`,
    {
      schema: {
        summary: 'Persons by relevance of their name to the query (typo-tolerant)',
        querystring: S.SearchQuery,
        response: { 200: Type.Array(S.Person), ...S.errors },
      },
    },
    async (req, reply) => {
      cacheControl(reply, undefined, ttl);
      return service.searchPersons(req.query);
    },
  );

  app.get(
    `${API}/persons/:person_id`,
    {
      schema: {
        summary: 'A person with their films and roles',
        params: S.PersonParams,
        response: { 200: S.Person, ...S.errors },
      },
    },
    async (req, reply) => {
      const person = await service.person(req.params.person_id);
      cacheControl(reply, undefined, ttl);
      return person;
    },
  );

  app.get(
    `${API}/persons/:person_id/films`,
    {
      schema: {
        summary: "A person's films",
        params: S.PersonParams,
        response: { 200: Type.Array(S.Film), ...S.errors },
        ...read,
      },
    },
    async (req, reply) => {
      const user = await caller.optional(req);
      const films = await service.personFilms(req.params.person_id, user);
      cacheControl(reply, user, ttl);
      return films;
    },
  );
}
