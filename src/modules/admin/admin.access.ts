import { AppError } from '../../platform/errors.js';
import type { AdminSection } from '../../platform/admin/resource.js';
import type { Actor } from '../identity/index.js';

/**
 * Who may do what in the panel, in one place:
 * - a superuser, or a role with `admin.*`, sees every module;
 * - a role with `admin.<module>` sees that module (and the dashboard and audit entries of it);
 * - anyone else is refused (403) on every admin page.
 */
export const modulePermission = (module: string) => `admin.${module}`;

type Grants = Pick<Actor, 'isSuperuser' | 'permissions'>;

export const canEnter = (actor: Grants) =>
  actor.isSuperuser || actor.permissions.some((p) => p.startsWith('admin.') && p !== 'admin.');

export const canSee = (actor: Grants, module: string) =>
  actor.isSuperuser || actor.permissions.includes('admin.*') || actor.permissions.includes(modulePermission(module));

/** Every module the actor sees, or undefined when they see all (a superuser, `admin.*`). */
export const visibleModules = (actor: Grants, sections: AdminSection[]): string[] | undefined =>
  actor.isSuperuser || actor.permissions.includes('admin.*')
    ? undefined
    : sections.filter((s) => canSee(actor, s.module)).map((s) => s.module);

export const noAccess = () =>
  new AppError('FORBIDDEN', 403, 'Your account does not have access to this part of the admin panel.');

export function requireModule(actor: Actor, module: string) {
  if (!canSee(actor, module)) throw noAccess();
}
