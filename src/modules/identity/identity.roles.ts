import { conflict, forbidden, notFound } from '../../platform/errors.js';
import type { CredentialCache } from './identity.credential-cache.js';
import { identityRepository as repo } from './identity.repository.js';
import { isUniqueViolation, type Actor, type IdentityDeps } from './identity.types.js';

export const ADMIN_PERMISSION = 'identity.admin';

export const isAdmin = (actor: Actor) => actor.isSuperuser || actor.permissions.includes(ADMIN_PERMISSION);

export function requireAdmin(actor: Actor) {
  if (!isAdmin(actor)) throw forbidden('Admin role required');
}

/** Who is granting: a superuser, or an account holding these permissions. */
export type Grants = Pick<Actor, 'isSuperuser' | 'permissions'>;

/** Whether `held` includes `permission`: the codename itself, or a wildcard over its prefix (`admin.*`). */
export const holds = (held: string[], permission: string) =>
  held.includes(permission) || held.some((h) => h.endsWith('.*') && permission.startsWith(h.slice(0, -1)));

/**
 * A non-superuser administrator grants, changes or takes away only permissions they hold themselves: an
 * `identity.admin` cannot make a role with `admin.*` and give it to themselves.
 */
export function requireGrantable(
  actor: Grants,
  permissions: string[],
  what = 'You cannot grant permissions you do not hold',
) {
  if (actor.isSuperuser) return;
  const missing = [...new Set(permissions.filter((p) => !holds(actor.permissions, p)))];
  if (missing.length) throw forbidden(`${what}: ${missing.join(', ')}`);
}

/** Roles (Keycloak's client roles, the backoffice's groups): each carries permission codenames. */
export function roleService({ db, clock }: IdentityDeps, creds: CredentialCache) {
  const roles = {
    listRoles: async () => repo.listRoles(db),
    rolesOfUser: async (userId: string) => repo.rolesOfUser(db, userId),
    async createRole(input: { name: string; description?: string; permissions?: string[] }) {
      try {
        return await repo.insertRole(db, {
          id: clock.uuid(),
          name: input.name,
          description: input.description ?? '',
          permissions: input.permissions ?? [],
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict('A role with that name already exists.');
        throw err;
      }
    },
    async ensureRole(input: { name: string; description?: string; permissions?: string[] }) {
      const existing = await repo.roleByName(db, input.name);
      if (existing) {
        if (input.permissions) return (await repo.updateRole(db, existing.id, { permissions: input.permissions }))!;
        return existing;
      }
      return roles.createRole(input);
    },
    async updateRole(id: string, patch: { description?: string; permissions?: string[] }) {
      const changes = Object.fromEntries(
        Object.entries({ description: patch.description, permissions: patch.permissions }).filter(
          ([, v]) => v !== undefined,
        ),
      );
      const row = Object.keys(changes).length ? await repo.updateRole(db, id, changes) : await repo.roleById(db, id);
      if (!row) throw notFound('Role not found');
      for (const userId of await repo.userIdsWithRole(db, id)) await creds.forgetUser(userId);
      return row;
    },
    async deleteRole(id: string) {
      const members = await repo.userIdsWithRole(db, id);
      if (!(await repo.deleteRole(db, id))) throw notFound('Role not found');
      for (const userId of members) await creds.forgetUser(userId);
    },
    async assignRole(roleId: string, userIds: string[]) {
      if (!(await repo.roleById(db, roleId))) throw notFound('Role not found');
      const unique = [...new Set(userIds)];
      const known = await repo.existingUserIds(db, unique);
      const missing = unique.filter((id) => !known.includes(id));
      if (missing.length) throw notFound(`User not found: ${missing.join(', ')}`);
      if (unique.length) await repo.assignRole(db, roleId, unique);
      for (const userId of unique) await creds.forgetUser(userId);
    },
    /** The role, when `actor` may change it (to `next` permissions) or give it out and take it back. */
    async requireRoleGrantable(actor: Grants, roleId: string, next: string[] = []) {
      const role = await repo.roleById(db, roleId);
      if (!role) throw notFound('Role not found');
      requireGrantable(actor, [...role.permissions, ...next]);
      return role;
    },
    /**
     * A non-superuser administrator manages (edits, deactivates, resets, signs out) only accounts that are not
     * superusers and hold no permission they lack: otherwise resetting a password would be a way up.
     */
    async requireManageable(actor: Grants, userId: string) {
      if (actor.isSuperuser) return;
      const user = await repo.userById(db, userId);
      if (!user) return; // the caller answers 404
      if (user.isSuperuser) throw forbidden("Only a superuser can change a superuser's account.");
      const held = (await repo.rolesOfUser(db, userId)).flatMap((r) => r.permissions);
      requireGrantable(actor, held, 'This account holds permissions you do not');
    },
    async unassignRole(roleId: string, userId: string) {
      if (!(await repo.roleById(db, roleId))) throw notFound('Role not found');
      await repo.unassignRole(db, roleId, userId);
      await creds.forgetUser(userId);
    },
  };
  return roles;
}
