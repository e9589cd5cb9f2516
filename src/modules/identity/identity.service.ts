import { accountService } from './identity.accounts.js';
import { apiKeyService } from './identity.api-keys.js';
import { credentialCache } from './identity.credential-cache.js';
import { loginGuard } from './identity.login-guard.js';
import { resolutionService } from './identity.resolve.js';
import { roleService } from './identity.roles.js';
import { sessionService } from './identity.sessions.js';
import type { IdentityDeps } from './identity.types.js';

export type { Actor, CredentialKind, IdentityDeps, IssueOptions, SessionMeta, TokenPair } from './identity.types.js';
export { sha256 } from './identity.types.js';
export { normalizeEmail } from './identity.accounts.js';
export { loginFailure, type LoginFailure, type PasswordLogin } from './identity.login-guard.js';
export { ADMIN_PERMISSION, isAdmin, requireAdmin } from './identity.roles.js';

/**
 * Identity's use cases, one object for the routes, the CLI and other modules. Each concern lives in its own
 * file: accounts, the login guard, sessions and tokens, credential resolution, API keys, roles.
 */
export function createIdentityService(deps: IdentityDeps) {
  const creds = credentialCache(deps);
  return {
    ...accountService(deps, creds),
    ...loginGuard(deps),
    ...sessionService(deps, creds),
    ...resolutionService(deps, creds),
    ...apiKeyService(deps, creds),
    ...roleService(deps, creds),
    onSessionsEnded: creds.onSessionsEnded,
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
