import { badRequest } from '../../platform/errors.js';
import { MODULE_NAMES } from '../../platform/http/module.js';

/**
 * API-key scopes. A key names what it may do: `<module>:read` (safe methods) or `<module>:write` (any method),
 * `*` standing for every module, and `admin` for admin rights, which only an admin can grant. Identity's own
 * account, credential and admin routes never accept a key, whatever its scopes.
 */
export const DEFAULT_SCOPES = ['*:write'];
export const ADMIN_SCOPE = 'admin';
const SCOPED_MODULES: readonly string[] = MODULE_NAMES.filter((m) => m !== 'identity' && m !== 'admin');
const SCOPE = /^([a-z*]+):(read|write)$/;

/** Checks scopes a client asks for; throws a 400 naming the first unknown one. */
export function parseScopes(requested: string[]): string[] {
  for (const scope of requested) {
    const m = SCOPE.exec(scope);
    const known = scope === ADMIN_SCOPE || (m && (m[1] === '*' || SCOPED_MODULES.includes(m[1]!)));
    if (!known) {
      throw badRequest(
        `scopes: unknown scope "${scope}" (use <module>:read or <module>:write with a module of ${SCOPED_MODULES.join(', ')} or *, or admin)`,
      );
    }
  }
  return [...new Set(requested)].sort();
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a key with `scopes` may call `module` with `method`. */
export function scopeAllows(scopes: readonly string[], module: string, method: string): boolean {
  const needed = SAFE.has(method.toUpperCase()) ? ['read', 'write'] : ['write'];
  return scopes.some((s) => {
    const m = SCOPE.exec(s);
    return Boolean(m && (m[1] === '*' || m[1] === module) && needed.includes(m[2]!));
  });
}
