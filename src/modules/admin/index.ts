import type { FastifyRequest } from 'fastify';
import type { PlatformContext } from '../../platform/context.js';
import type { AgoraModule } from '../../platform/http/module.js';
import type { IdentityApi } from '../identity/index.js';
import { auditService } from './admin.audit.js';
import { sectionsOf, type AdminDeps } from './admin.context.js';
import { adminErrorRenderer } from './admin.errors.js';
import { adminRoutes } from './admin.routes.js';
import type { AdminCaller } from './admin.session.js';
import { adminSessions } from './admin.session.js';

export { modulePermission } from './admin.access.js';

/**
 * The web admin panel at /admin: server-rendered pages over the resources every module declares in its
 * `<module>.admin.ts`, signed in with identity accounts (superusers, or roles with `admin.<module>`).
 */
export function createAdminModule(
  ctx: PlatformContext,
  deps: { identity: IdentityApi; peers: () => AgoraModule[] },
): AgoraModule {
  const base = ctx.config.MOUNT_ADMIN.replace(/\/+$/, '');
  const adminDeps: AdminDeps = {
    ctx,
    identity: deps.identity,
    sessions: adminSessions(ctx, deps.identity, base),
    audit: auditService(ctx.database.db),
    base,
    callers: new WeakMap<FastifyRequest, AdminCaller>(),
    sections: sectionsOf(ctx, deps.peers),
  };
  return {
    name: 'admin',
    description: 'Web admin panel (server-rendered pages, not a JSON API)',
    routes: adminRoutes(adminDeps),
    renderError: adminErrorRenderer(base),
  };
}
