import { Type } from 'typebox';
import * as S from './identity.schemas.js';
import { requireGrantable } from './identity.roles.js';
import type { IdentityService } from './identity.service.js';
import { bearer, errors, roleOut, type IdentityGuards, type TypedApp } from './identity.http.js';

/** Roles and their members (admin). */
export function roleRoutes(app: TypedApp, service: IdentityService, g: IdentityGuards) {
  const { auth } = g;
  app.get(
    '/api/v1/roles/',
    {
      preHandler: auth({ admin: true }),
      schema: { summary: 'List roles (admin)', security: bearer, response: { 200: Type.Array(S.Role), ...errors } },
    },
    async () => (await service.listRoles()).map(roleOut),
  );

  app.post(
    '/api/v1/roles/',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: 'Create a role (admin)',
        security: bearer,
        body: S.RoleCreate,
        response: { 201: S.Role, ...errors },
      },
    },
    async (req, reply) => {
      requireGrantable(req.actor!, req.body.permissions ?? []);
      return reply.code(201).send(roleOut(await service.createRole(req.body)));
    },
  );

  app.put(
    '/api/v1/roles/:role_id',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: 'Update a role (admin)',
        security: bearer,
        params: S.RoleIdParams,
        body: S.RoleUpdate,
        response: { 200: S.Role, ...errors },
      },
    },
    async (req) => {
      await service.requireRoleGrantable(req.actor!, req.params.role_id, req.body.permissions);
      return roleOut(await service.updateRole(req.params.role_id, req.body));
    },
  );

  app.delete(
    '/api/v1/roles/:role_id',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: 'Delete a role (admin)',
        security: bearer,
        params: S.RoleIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await service.requireRoleGrantable(req.actor!, req.params.role_id);
      await service.deleteRole(req.params.role_id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/roles/:role_id/users',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: 'Assign a role to users (admin)',
        security: bearer,
        params: S.RoleIdParams,
        body: S.RoleAssign,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await service.requireRoleGrantable(req.actor!, req.params.role_id);
      await service.assignRole(req.params.role_id, req.body.users);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/roles/:role_id/users/:user_id',
    {
      preHandler: auth({ admin: true }),
      schema: {
        summary: 'Take a role from a user (admin)',
        security: bearer,
        params: S.RoleUserParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await service.requireRoleGrantable(req.actor!, req.params.role_id);
      await service.unassignRole(req.params.role_id, req.params.user_id);
      return reply.code(204).send(null);
    },
  );
}
