import { invalidFields, type AdminActor, type AdminResource } from '../../platform/admin/resource.js';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { requireGrantable } from './identity.roles.js';
import type { IdentityService } from './identity.service.js';
import { users } from './identity.tables.js';

const UUID = /^[0-9a-f-]{36}$/i;
const USERNAME = /^[\w.@+-]+$/;

/** Identity's 409s and username rules as errors beside the field they concern. */
function accountErrors(err: unknown): never {
  if (err instanceof AppError && err.code === 'EMAIL_TAKEN') throw invalidFields({ email: err.message });
  if (err instanceof AppError && err.code === 'USERNAME_TAKEN') throw invalidFields({ username: err.message });
  throw err;
}
const checkUsername = (v: Record<string, unknown>) => {
  if (v.username !== undefined && !USERNAME.test(String(v.username)))
    throw invalidFields({ username: 'Enter a valid username: letters, digits and @/./+/-/_ only.' });
};

/** requireGrantable, its refusal shown beside the form field that asked for the permissions. */
export function grantableBeside(field: string, actor: AdminActor, permissions: string[]) {
  try {
    requireGrantable(actor, permissions);
  } catch (err) {
    throw invalidFields({ [field]: (err as Error).message });
  }
}

/** Users: edit the profile and roles; activate, deactivate, reset the password, end every session. */
export function identityUsersAdmin(service: IdentityService, clock: Clock): AdminResource {
  const withRoles = async (id: string) => {
    const user = UUID.test(id) ? await service.getUser(id) : undefined;
    return user && { ...user, roles: (await service.rolesOfUser(id)).map((r) => r.name) };
  };

  /**
   * Assigns the roles named in the form and removes the others (unknown names are a field error). A
   * non-superuser gives and takes only roles whose permissions they hold themselves.
   */
  async function setRoles(userId: string, wanted: string[], actor: AdminActor) {
    const all = await service.listRoles();
    const unknown = wanted.filter((n) => !all.some((r) => r.name === n));
    if (unknown.length) throw invalidFields({ roles: `Unknown role: ${unknown.join(', ')}` });
    const current = (await service.rolesOfUser(userId)).map((r) => r.name);
    const changed = all.filter((r) => wanted.includes(r.name) !== current.includes(r.name));
    grantableBeside(
      'roles',
      actor,
      changed.flatMap((r) => r.permissions),
    );
    for (const role of all) {
      const want = wanted.includes(role.name);
      if (want && !current.includes(role.name)) await service.assignRole(role.id, [userId]);
      if (!want && current.includes(role.name)) await service.unassignRole(role.id, userId);
    }
  }

  return {
    name: 'users',
    label: 'Users',
    source: { table: users, id: users.id },
    columns: [
      { key: 'username', label: 'Username' },
      { key: 'email', label: 'Email' },
      { key: 'isActive', label: 'Active' },
      { key: 'isSuperuser', label: 'Superuser' },
      { key: 'createdAt', label: 'Joined' },
      { key: 'lastLogin', label: 'Last login' },
    ],
    search: [users.username, users.email, users.id],
    searchHint: 'username, email or id',
    filters: [
      { name: 'active', label: 'Active', column: users.isActive },
      { name: 'superuser', label: 'Superuser', column: users.isSuperuser },
    ],
    fields: [
      { name: 'username', required: true, maxLength: 150 },
      { name: 'email', type: 'email', maxLength: 254 },
      { name: 'firstName', maxLength: 150 },
      { name: 'lastName', maxLength: 150 },
      { name: 'password', type: 'password', required: true, createOnly: true, maxLength: 128 },
      { name: 'roles', type: 'list', help: 'Role names, one per line (see Roles)' },
      { name: 'isActive', label: 'Active', type: 'boolean', readOnly: true },
      { name: 'isSuperuser', label: 'Superuser', type: 'boolean', readOnly: true },
      { name: 'emailVerified', label: 'Email verified', type: 'boolean', readOnly: true },
      { name: 'createdAt', label: 'Joined', readOnly: true },
      { name: 'lastLogin', label: 'Last login', readOnly: true },
      { name: 'passwordHash', hidden: true },
    ],
    title: (u) => String(u.username),
    get: withRoles,
    async create(v, actor) {
      checkUsername(v);
      const named = (v.roles as string[]) ?? [];
      const roles = (await service.listRoles()).filter((r) => named.includes(r.name));
      grantableBeside(
        'roles',
        actor,
        roles.flatMap((r) => r.permissions),
      );
      const user = await service
        .register({
          username: String(v.username),
          password: String(v.password),
          email: (v.email as string) || null,
          firstName: String(v.firstName ?? ''),
          lastName: String(v.lastName ?? ''),
        })
        .catch(accountErrors);
      await setRoles(user.id, named, actor);
      return user;
    },
    async update(id, v, actor) {
      await service.requireManageable(actor, id);
      checkUsername(v);
      await service
        .updateProfile(id, {
          username: String(v.username),
          email: (v.email as string) || null,
          firstName: String(v.firstName ?? ''),
          lastName: String(v.lastName ?? ''),
        })
        .catch(accountErrors);
      await setRoles(id, (v.roles as string[]) ?? [], actor);
      return withRoles(id);
    },
    actions: [
      {
        name: 'activate',
        label: 'Activate',
        when: (u) => !u.isActive,
        run: async (id, actor) => {
          await service.requireManageable(actor, id);
          await service.activate(id);
        },
      },
      {
        name: 'deactivate',
        label: 'Deactivate',
        danger: true,
        confirm: 'Deactivate this account? Every session and API key of it stops working at once.',
        when: (u) => Boolean(u.isActive),
        run: async (id, actor) => {
          await service.requireManageable(actor, id);
          await service.deactivate(id);
        },
      },
      {
        name: 'reset-password',
        label: 'Reset password',
        danger: true,
        secretMessage: true,
        confirm: 'Set a new random password? Every session of the account ends; its API keys keep working.',
        async run(id, actor) {
          await service.requireManageable(actor, id);
          const password = clock.token(12);
          await service.setPassword(id, password);
          await service.endAllSessions(id, 'password-reset', { keepApiKeys: true });
          return `New password: ${password} — give it to the user over a safe channel; it is not shown again.`;
        },
      },
      {
        name: 'end-sessions',
        label: 'End all sessions',
        danger: true,
        confirm: 'End every session of this account and revoke its API keys?',
        async run(id, actor) {
          await service.requireManageable(actor, id);
          await service.endAllSessions(id, 'admin');
          return 'Every session ended and every API key was revoked.';
        },
      },
    ],
    inlines: [],
  };
}
