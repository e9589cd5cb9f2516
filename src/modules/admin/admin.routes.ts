import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import { canEnter, noAccess, visibleModules } from './admin.access.js';
import { callerOf, countsOf, page, type AdminDeps } from './admin.context.js';
import { display, type FormBody } from './admin.forms.js';
import { jobFigures } from './admin.jobs.js';
import { htmxScript, renderPage } from './admin.render.js';
import { STYLESHEET } from './admin.style.js';
import { pageRoutes } from './admin.pages.js';

const PUBLIC = new Set(['/static/admin.css', '/static/htmx.min.js', '/login']);
const CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const one = (v: unknown) => (Array.isArray(v) ? String(v[0] ?? '') : typeof v === 'string' ? v : '');

/** The panel: sign-in, the dashboard, static assets, then every resource's pages. */
export function adminRoutes(deps: AdminDeps) {
  const { base, sessions, identity } = deps;
  /**
   * Where to go after signing in: a path of the panel's own, as the browser will resolve it (`..` segments
   * removed), with no control characters; anything else goes to the dashboard.
   */
  const localNext = (next: string) => {
    const home = `${base}/`;
    if (
      !next.startsWith(home) ||
      next.includes('\\') ||
      [...next].some((c) => c < ' ' || c === '\u007f' || c === '\u2028' || c === '\u2029')
    )
      return home;
    let url: URL;
    try {
      url = new URL(next, 'http://panel.invalid');
    } catch {
      return home;
    }
    const path = `${url.pathname}${url.search}`;
    return url.host === 'panel.invalid' && url.pathname.startsWith(home) && !path.startsWith('//') ? path : home;
  };

  async function loginPage(req: FastifyRequest, reply: FastifyReply, status: number, extra: Record<string, unknown>) {
    const html = renderPage('login', {
      base,
      title: 'Sign in',
      csrf: sessions.loginToken(req, reply),
      next: '',
      ...extra,
    });
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  }

  return async (app: FastifyInstance) => {
    app.addHook('onSend', async (_req, reply, payload) => {
      if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
        void reply.header('content-security-policy', CSP).header('x-frame-options', 'DENY');
        void reply.header('cache-control', 'no-store');
      }
      return payload;
    });
    // Every page but sign-in and the assets needs a signed-in admin; others are sent to sign in, or refused.
    app.addHook('preHandler', async (req, reply) => {
      const path = req.routeOptions.url?.slice(base.length) ?? '';
      if (PUBLIC.has(path)) return;
      const caller = await sessions.callerOf(req);
      if (!caller) {
        const next = encodeURIComponent(req.method === 'GET' ? req.url : `${base}/`);
        return reply.redirect(`${base}/login?next=${next}`, 303);
      }
      if (!canEnter(caller.actor)) throw noAccess();
      deps.callers.set(req, caller);
      if (req.method === 'POST') sessions.checkCsrf(caller, req.body);
    });

    app.get('/static/admin.css', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
    );
    const htmx = htmxScript();
    app.get('/static/htmx.min.js', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(htmx),
    );

    app.get('/login', { schema: { hide: true } }, async (req, reply) => {
      const caller = await sessions.callerOf(req).catch(() => undefined);
      const next = one((req.query as Record<string, unknown>).next);
      if (caller && canEnter(caller.actor)) return reply.redirect(localNext(next), 303);
      return loginPage(req, reply, 200, { next });
    });

    app.post('/login', { schema: { hide: true } }, async (req, reply) => {
      const body = (req.body ?? {}) as FormBody;
      const [username, password, next] = [one(body.username), one(body.password), one(body.next)];
      sessions.checkLoginCsrf(req, body._csrf);
      try {
        const user = await identity.service.passwordLogin({ login: username, password, ip: req.ip });
        const roles = await identity.service.rolesOfUser(user.id);
        const allowed = canEnter({ isSuperuser: user.isSuperuser, permissions: roles.flatMap((r) => r.permissions) });
        if (!allowed)
          return loginPage(req, reply, 403, { username, next, error: 'This account cannot use the admin panel.' });
        await sessions.signIn(req, reply, user);
        return reply.redirect(localNext(next), 303);
      } catch (err) {
        if (!(err instanceof AppError) || (err.status !== 401 && err.status !== 429)) throw err;
        if (err.headers) void reply.headers(err.headers);
        const error =
          err.status === 429 ? err.message : 'Please enter the correct username and password of an admin account.';
        return loginPage(req, reply, err.status, { username, next, error });
      }
    });

    app.post('/logout', { schema: { hide: true } }, async (req, reply) => {
      await sessions.signOut(reply, callerOf(deps, req));
      return reply.redirect(`${base}/login`, 303);
    });

    app.get('/', { schema: { hide: true } }, async (req, reply) => {
      const { actor } = callerOf(deps, req);
      const modules = visibleModules(actor, deps.sections());
      const recent = (await deps.audit.recent(10, modules)).map((a) => ({ ...a, at: display(a.at) }));
      const jobs = !modules || modules.includes('jobs') ? await jobFigures(deps.ctx) : undefined;
      return page(deps, req, reply, 'dashboard', {
        title: 'Dashboard',
        counts: await countsOf(deps, req),
        jobs,
        recent,
      });
    });

    await app.register(pageRoutes(deps));
  };
}
