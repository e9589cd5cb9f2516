import type { FastifyReply, FastifyRequest } from 'fastify';
import { countRows } from '../../platform/admin/list.js';
import type { AdminResource, AdminSection } from '../../platform/admin/resource.js';
import type { PlatformContext } from '../../platform/context.js';
import { notFound } from '../../platform/errors.js';
import type { AgoraModule } from '../../platform/http/module.js';
import type { IdentityApi } from '../identity/index.js';
import { canSee, requireModule } from './admin.access.js';
import { auditSection, auditService } from './admin.audit.js';
import { jobsSection } from './admin.jobs.js';
import { navOf } from './admin.present.js';
import { renderPage, type PageName } from './admin.render.js';
import type { AdminCaller, AdminSessions } from './admin.session.js';

export interface AdminDeps {
  ctx: PlatformContext;
  identity: IdentityApi;
  sessions: AdminSessions;
  audit: ReturnType<typeof auditService>;
  base: string;
  /** The caller a request was signed in as (set by the panel's auth hook). */
  callers: WeakMap<FastifyRequest, AdminCaller>;
  sections(): AdminSection[];
}

/** Every section the panel shows: each module's declaration, then the job queue and the audit log. */
export function sectionsOf(ctx: PlatformContext, peers: () => AgoraModule[]): () => AdminSection[] {
  let built: AdminSection[] | undefined;
  return () => {
    if (built) return built;
    const declared = peers().flatMap((m) => (m.admin ? [m.admin] : []));
    const withJobs = [...declared, jobsSection(ctx)];
    const resources = withJobs.flatMap((s) =>
      s.resources.map((r) => ({ value: `${s.module}.${r.name}`, label: `${s.label}: ${r.label}` })),
    );
    const modules = withJobs.map((s) => ({ value: s.module, label: s.label }));
    built = [...withJobs, auditSection(ctx.database.db, resources, modules)];
    return built;
  };
}

export function callerOf(deps: AdminDeps, req: FastifyRequest): AdminCaller {
  const caller = deps.callers.get(req);
  if (!caller) throw new Error('admin route without a signed-in caller');
  return caller;
}

/** The section and resource a URL names, if the caller may see that module. */
export function resourceOf(deps: AdminDeps, req: FastifyRequest, module: string, name: string) {
  const section = deps.sections().find((s) => s.module === module);
  const res: AdminResource | undefined = section?.resources.find((r) => r.name === name);
  if (!section || !res) throw notFound('There is no such page in the admin panel.');
  requireModule(callerOf(deps, req).actor, module);
  return { section, res, url: `${deps.base}/${module}/${name}` };
}

/** Renders a page inside the layout with the caller's navigation and form token. */
export async function page(
  deps: AdminDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  name: PageName,
  data: Record<string, unknown>,
  current?: { module: string; resource: string },
) {
  const caller = callerOf(deps, req);
  const visible = deps.sections().filter((s) => canSee(caller.actor, s.module));
  const html = renderPage(name, {
    base: deps.base,
    user: caller.actor.username,
    csrf: caller.csrf,
    nav: navOf(visible, current),
    current: current ? undefined : 'dashboard',
    flash: deps.sessions.takeFlash(req, reply),
    ...data,
  });
  return reply.type('text/html; charset=utf-8').send(html);
}

/** Rows per visible resource for the dashboard. */
export async function countsOf(deps: AdminDeps, req: FastifyRequest) {
  const { actor } = callerOf(deps, req);
  const out = [];
  for (const s of deps.sections().filter((x) => canSee(actor, x.module))) {
    for (const r of s.resources) {
      out.push({
        module: s.label,
        label: r.label,
        href: `${deps.base}/${s.module}/${r.name}`,
        count: await countRows(deps.ctx.database.db, r),
      });
    }
  }
  return out;
}
