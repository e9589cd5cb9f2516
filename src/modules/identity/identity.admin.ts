import {
  defineAdmin,
  invalidFields,
  readOnlyFields,
  type AdminActor,
  type AdminResource,
} from '../../platform/admin/resource.js';
import { AppError } from '../../platform/errors.js';
import type { Db } from '../../platform/db/database.js';
import type { Clock } from '../../platform/clock.js';
import { identityAdminRepository as adminRepo } from './identity.admin.repository.js';
import type { IdentityService } from './identity.service.js';
import { apiKeys, roles, sessions } from './identity.tables.js';
import { grantableBeside, identityUsersAdmin } from './identity.admin.users.js';

type Row = Record<string, unknown>;
const USER_UUID = /^[0-9a-f-]{36}$/i;

/** Adds each row's username (one query for the page). */
export const withUsernames =
  (db: Db) =>
  async <R extends { userId: string }>(rows: R[]) => {
    const names = await adminRepo.usernames(
      db,
      rows.map((r) => r.userId),
    );
    return rows.map((r) => ({ ...r, username: names.get(r.userId) ?? r.userId }));
  };

/** A role name that is taken is an error beside the name field. */
const roleErrors = (err: unknown): never => {
  if (err instanceof AppError && err.status === 409) throw invalidFields({ name: err.message });
  throw err;
};

/** A role's permissions the actor may not grant, as an error beside the field (see requireGrantable). */
const grantable = (actor: AdminActor, permissions: string[]) => grantableBeside('permissions', actor, permissions);

/** What the admin panel shows of identity: users, roles with their permissions, API keys and sessions. */
export function identityAdmin(db: Db, service: IdentityService, clock: Clock) {
  const roleResource: AdminResource = {
    name: 'roles',
    label: 'Roles',
    source: { table: roles, id: roles.id },
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'description', label: 'Description' },
      { key: 'permissions', label: 'Permissions' },
    ],
    search: [roles.name],
    searchHint: 'role name',
    ordering: [{ key: 'name', label: 'Name', column: roles.name }],
    fields: [
      { name: 'name', required: true, maxLength: 150, createOnly: true },
      { name: 'description', type: 'textarea', maxLength: 1000 },
      {
        name: 'permissions',
        type: 'list',
        help: 'One codename per line, e.g. admin.wishlist (the admin panel) or identity.admin',
      },
      { name: 'createdAt', label: 'Created', readOnly: true },
    ],
    title: (r: Row) => String(r.name),
    get: async (id) => (USER_UUID.test(id) ? (await service.listRoles()).find((r) => r.id === id) : undefined),
    create: (v, actor) => {
      grantable(actor, (v.permissions as string[]) ?? []);
      return service
        .createRole({
          name: String(v.name),
          description: String(v.description ?? ''),
          permissions: v.permissions as string[],
        })
        .catch(roleErrors);
    },
    async update(id, v, actor) {
      const role = (await service.listRoles()).find((r) => r.id === id);
      grantable(actor, [...(role?.permissions ?? []), ...((v.permissions as string[]) ?? [])]);
      return service.updateRole(id, {
        description: String(v.description ?? ''),
        permissions: v.permissions as string[],
      });
    },
    async delete(id, actor) {
      await service.requireRoleGrantable(actor, id);
      await service.deleteRole(id);
    },
  };

  const apiKeyResource: AdminResource = {
    name: 'api-keys',
    label: 'API keys',
    source: { table: apiKeys, id: apiKeys.id },
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'prefix', label: 'Prefix' },
      { key: 'username', label: 'User' },
      { key: 'scopes', label: 'Scopes' },
      { key: 'lastUsedAt', label: 'Last used' },
      { key: 'revokedAt', label: 'Revoked' },
    ],
    search: [apiKeys.name, apiKeys.prefix, apiKeys.userId],
    searchHint: 'name, prefix or user id',
    decorate: withUsernames(db),
    fields: readOnlyFields('name', 'prefix', 'userId', 'scopes', 'createdAt', 'lastUsedAt', 'revokedAt'),
    title: (r: Row) => `${String(r.name)} (${String(r.prefix)}…)`,
    get: async (id) => (USER_UUID.test(id) ? adminRepo.apiKeyById(db, id) : undefined),
    actions: [
      {
        name: 'revoke',
        label: 'Revoke',
        danger: true,
        confirm: 'Revoke this API key? Requests signed with it will be refused at once.',
        when: (r) => !r.revokedAt,
        async run(id, actor) {
          const key = await adminRepo.apiKeyById(db, id);
          if (key) await service.requireManageable(actor, key.userId);
          if (key) await service.revokeApiKey(key.userId, id);
          return 'The API key was revoked.';
        },
      },
    ],
  };

  const sessionResource: AdminResource = {
    name: 'sessions',
    label: 'Sessions',
    source: { table: sessions, id: sessions.id },
    columns: [
      { key: 'username', label: 'User' },
      { key: 'client', label: 'Client' },
      { key: 'kind', label: 'Kind' },
      { key: 'ipAddress', label: 'IP address' },
      { key: 'expiresAt', label: 'Expires' },
      { key: 'revokedAt', label: 'Ended' },
    ],
    search: [sessions.userId, sessions.ipAddress, sessions.id],
    searchHint: 'user id, session id or IP address',
    filters: [
      {
        name: 'kind',
        label: 'Kind',
        column: sessions.kind,
        options: [
          { value: 'token', label: 'token' },
          { value: 'opaque', label: 'opaque' },
        ],
      },
    ],
    decorate: withUsernames(db),
    fields: readOnlyFields(
      'userId',
      'kind',
      'client',
      'ipAddress',
      'userAgent',
      'createdAt',
      'lastAccessAt',
      'expiresAt',
      'revokedAt',
      'revokedReason',
    ),
    title: (r: Row) => `Session ${String(r.id).slice(0, 8)} (${String(r.client)})`,
    get: async (id) => (USER_UUID.test(id) ? adminRepo.sessionById(db, id) : undefined),
    actions: [
      {
        name: 'end',
        label: 'End session',
        danger: true,
        when: (r) => !r.revokedAt && (r.expiresAt as Date) > clock.now(),
        async run(id, actor) {
          const session = await adminRepo.sessionById(db, id);
          if (session) await service.requireManageable(actor, session.userId);
          await service.endSession(id, 'admin');
          return 'The session was ended.';
        },
      },
    ],
  };

  return defineAdmin({
    module: 'identity',
    label: 'Identity',
    resources: [identityUsersAdmin(service, clock), roleResource, apiKeyResource, sessionResource],
  });
}
