import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { IdentityApi } from '../identity/index.js';
import { requireManager, type AdminService } from './cinema.admin.js';
import { API, typedApp } from './cinema.routes.js';
import * as S from './cinema.schemas.js';

const ADMIN = `${API}/admin`;

/**
 * Catalogue administration (permission cinema.manage, or a superuser), bearer token only. Registered as its own
 * scope: the permission is checked in one hook for every route here, before the request is validated.
 */
export const adminRoutes = (service: AdminService, identity: IdentityApi) => async (scope: FastifyInstance) => {
  const app = typedApp(scope);
  const manager = async (req: FastifyRequest) => requireManager(await identity.resolve(req, { accept: ['bearer'] }));
  app.addHook('preValidation', manager);
  const auth = { security: S.bearer };
  const noContent = { 204: Type.Null(), ...S.errors };

  app.post(
    `${ADMIN}/films/`,
    {
      schema: {
        summary: 'Create a film work',
        body: S.FilmCreate,
        response: { 201: S.AdminFilm, ...S.errors },
        ...auth,
      },
    },
    async (req, reply) => reply.code(201).send(await service.createFilm(req.body)),
  );
  app.get(
    `${ADMIN}/films/:film_id`,
    { schema: { summary: 'A film work', params: S.FilmParams, response: { 200: S.AdminFilm, ...S.errors }, ...auth } },
    async (req) => service.film(req.params.film_id),
  );
  app.patch(
    `${ADMIN}/films/:film_id`,
    {
      schema: {
        summary: 'Change a film work (searchable at once)',
        params: S.FilmParams,
        body: S.FilmPatch,
        response: { 200: S.AdminFilm, ...S.errors },
        ...auth,
      },
    },
    async (req) => service.updateFilm(req.params.film_id, req.body),
  );
  app.delete(
    `${ADMIN}/films/:film_id`,
    { schema: { summary: 'Delete a film work', params: S.FilmParams, response: noContent, ...auth } },
    async (req, reply) => {
      await service.deleteFilm(req.params.film_id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    `${ADMIN}/films/:film_id/persons`,
    {
      schema: {
        summary: 'Link a person to a film in a role',
        params: S.FilmParams,
        body: S.LinkBody,
        response: { 201: S.AdminFilm, ...S.errors },
        ...auth,
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.linkPerson(req.params.film_id, req.body.person_id, req.body.role)),
  );
  app.delete(
    `${ADMIN}/films/:film_id/persons/:person_id`,
    {
      schema: {
        summary: 'Unlink a person from a film in a role',
        params: S.LinkParams,
        querystring: S.RoleQuery,
        response: noContent,
        ...auth,
      },
    },
    async (req, reply) => {
      await service.unlinkPerson(req.params.film_id, req.params.person_id, req.query.role);
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${ADMIN}/genres/`,
    { schema: { summary: 'Create a genre', body: S.GenreCreate, response: { 201: S.Genre, ...S.errors }, ...auth } },
    async (req, reply) => reply.code(201).send(await service.createGenre(req.body)),
  );
  app.get(
    `${ADMIN}/genres/:genre_id`,
    { schema: { summary: 'A genre', params: S.GenreParams, response: { 200: S.Genre, ...S.errors }, ...auth } },
    async (req) => service.genre(req.params.genre_id),
  );
  app.patch(
    `${ADMIN}/genres/:genre_id`,
    {
      schema: {
        summary: 'Change a genre',
        params: S.GenreParams,
        body: S.GenrePatch,
        response: { 200: S.Genre, ...S.errors },
        ...auth,
      },
    },
    async (req) => service.updateGenre(req.params.genre_id, req.body),
  );
  app.delete(
    `${ADMIN}/genres/:genre_id`,
    { schema: { summary: 'Delete a genre', params: S.GenreParams, response: noContent, ...auth } },
    async (req, reply) => {
      await service.deleteGenre(req.params.genre_id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${ADMIN}/persons/`,
    {
      schema: {
        summary: 'Create a person',
        body: S.PersonCreate,
        response: { 201: S.AdminPerson, ...S.errors },
        ...auth,
      },
    },
    async (req, reply) => reply.code(201).send(await service.createPerson(req.body)),
  );
  app.get(
    `${ADMIN}/persons/:person_id`,
    { schema: { summary: 'A person', params: S.PersonParams, response: { 200: S.AdminPerson, ...S.errors }, ...auth } },
    async (req) => service.person(req.params.person_id),
  );
  app.patch(
    `${ADMIN}/persons/:person_id`,
    {
      schema: {
        summary: 'Change a person (their films are searchable by the new name at once)',
        params: S.PersonParams,
        body: S.PersonPatch,
        response: { 200: S.AdminPerson, ...S.errors },
        ...auth,
      },
    },
    async (req) => service.updatePerson(req.params.person_id, req.body),
  );
  app.delete(
    `${ADMIN}/persons/:person_id`,
    { schema: { summary: 'Delete a person', params: S.PersonParams, response: noContent, ...auth } },
    async (req, reply) => {
      await service.deletePerson(req.params.person_id);
      return reply.code(204).send(null);
    },
  );
};
