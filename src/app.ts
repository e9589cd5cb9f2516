import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createPlatform, type PlatformContext, type PlatformOverrides } from './platform/context.js';
import { migrate } from './platform/db/migrate.js';
import { registerDocs, registerOpenApi } from './platform/http/docs.js';
import { createServer, guardRouteConflicts, mountModule } from './platform/http/kernel.js';
import { answerMissingMethods, trackRoutes } from './platform/http/methods.js';
import { MODULE_NAMES, type AgoraModule, type ModuleFactory, type ModuleName } from './platform/http/module.js';
import { platformRoutes } from './platform/http/platform-routes.js';
import { jobsMaintenance, startScheduler } from './platform/jobs/index.js';
import { createIdentity, type IdentityApi } from './modules/identity/index.js';
import { createWishlistModule } from './modules/wishlist/index.js';
import { createBackofficeModule } from './modules/backoffice/index.js';
import { createFiles, createFilesModule, type FilesApi } from './modules/files/index.js';
import { createMessengerModule } from './modules/messenger/index.js';
import { createMicroblogModule } from './modules/microblog/index.js';
import { createNotificationsModule } from './modules/notifications/index.js';
import { createCinemaModule } from './modules/cinema/index.js';
import { createAdminModule } from './modules/admin/index.js';

/** What every module factory receives besides the platform context. */
export interface ModuleDeps {
  identity: IdentityApi;
  /** Blob storage (the files service), available whether or not its routes are mounted. */
  files: FilesApi;
  /** Every module of the app, identity's included whether mounted or not; complete once the app is built. */
  peers: () => AgoraModule[];
}

/** The modules, in mount order. Adding a module: its folder, plus one line here. */
const MODULES: [ModuleName, ModuleFactory<ModuleDeps>][] = [
  ['wishlist', createWishlistModule],
  ['backoffice', createBackofficeModule],
  ['files', createFilesModule],
  ['messenger', createMessengerModule],
  ['microblog', createMicroblogModule],
  ['notifications', createNotificationsModule],
  ['cinema', createCinemaModule],
  ['admin', createAdminModule],
];

export interface Agora {
  app: FastifyInstance;
  ctx: PlatformContext;
  identity: IdentityApi;
  modules: AgoraModule[];
  /** Demo data of every enabled module; returns the lines to print. */
  seed(): Promise<string[]>;
  /** Starts scheduled tasks (the worker role); returns a stop function. */
  startWorkers(): () => Promise<void>;
}

export type BuildOptions = PlatformOverrides;

export function enabledModules(config: Config): Set<ModuleName> {
  const wanted = config.MODULES.map((m) => m.toLowerCase());
  const unknown = wanted.filter((m) => m !== 'all' && !MODULE_NAMES.includes(m as ModuleName));
  if (unknown.length)
    throw new Error(`MODULES names unknown module(s): ${unknown.join(', ')}. Known: ${MODULE_NAMES.join(', ')}`);
  return new Set(wanted.includes('all') ? MODULE_NAMES : (wanted as ModuleName[]));
}

const mountOf = (config: Config, name: ModuleName) => config[`MOUNT_${name.toUpperCase()}` as keyof Config] as string;

export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<Agora> {
  const enabled = enabledModules(config);
  const ctx = await createPlatform(config, opts);
  try {
    if (opts.migrate ?? config.MIGRATE) await migrate(ctx.database);
    const identity = await createIdentity(ctx);
    const files = createFiles(ctx);
    const modules: AgoraModule[] = [];
    if (enabled.has('identity')) modules.push(identity.module);
    const peers = () => [identity.module, ...modules.filter((m) => m !== identity.module)];
    for (const [name, factory] of MODULES) {
      if (enabled.has(name)) modules.push(await factory(ctx, { identity: identity.api, files, peers }));
    }

    const app = await createServer(ctx);
    const owner = guardRouteConflicts(app);
    const paths = trackRoutes(app);
    await registerOpenApi(
      app,
      modules.map((m) => ({ name: m.name, description: m.description })),
    );
    await platformRoutes(app, ctx);
    await registerDocs(app);
    const prefixes = new Map<string, ModuleName>();
    for (const mod of modules) {
      const prefix = mountOf(config, mod.name).replace(/\/+$/, '') || '/';
      const other = prefixes.get(prefix);
      if (other)
        throw new Error(`Modules ${other} and ${mod.name} are both mounted at ${prefix}; move one with MOUNT_<MODULE>`);
      prefixes.set(prefix, mod.name);
    }
    let rootTaken = false;
    for (const mod of modules) {
      owner.owner = mod.name;
      const prefix = mountOf(config, mod.name);
      rootTaken ||= prefix === '/' || prefix === '';
      await mountModule(app, mod, prefix);
    }
    owner.owner = 'platform';
    if (!rootTaken) app.setNotFoundHandler((_req, reply) => void reply.code(404).send({ detail: 'Not Found' }));
    // Every method a route path lacks answers 405 with Allow, in the envelope of the path's module.
    answerMissingMethods(paths);
    app.addHook('onClose', async () => {
      for (const mod of modules) await mod.close?.();
      await files.close();
      await ctx.close();
    });
    await app.ready();

    return {
      app,
      ctx,
      identity: identity.api,
      modules,
      async seed() {
        const lines: string[] = [];
        // identity seeds first even when not mounted: other modules' demo users live there
        if (!enabled.has('identity')) lines.push(...((await identity.module.seed?.()) ?? []));
        for (const mod of modules) lines.push(...((await mod.seed?.()) ?? []));
        return lines;
      },
      startWorkers: () => {
        const stopScheduler = startScheduler(
          modules
            .flatMap((m) => m.tasks ?? [])
            .concat(enabled.has('identity') ? [] : (identity.module.tasks ?? []))
            // The files service's sweep runs whether or not its routes are mounted.
            .concat(files.tasks)
            .concat(jobsMaintenance(ctx.database, ctx.clock)),
          ctx.log,
        );
        // Job consumers and the outbox relay: a transport that cannot start (broker down at boot) is retried
        // with backoff until it starts or the workers are stopped (a failed start leaves nothing running).
        // Stopping while an attempt is in flight waits for it (and then stops what it started); stopping
        // between attempts cancels the next one.
        let stopped = false;
        let retry: NodeJS.Timeout | undefined;
        let cancelRetry: () => void = () => undefined;
        const stopJobs = new Promise<() => Promise<void>>((resolve) => {
          const none = async () => undefined;
          const attempt = (delayMs: number) => {
            cancelRetry = () => undefined;
            void ctx.jobs.start().then(resolve, (err: unknown) => {
              if (stopped) return resolve(none);
              ctx.log.error({ err, retryInMs: delayMs }, 'job workers failed to start; retrying');
              cancelRetry = () => resolve(none);
              retry = setTimeout(() => attempt(Math.min(delayMs * 2, 30_000)), delayMs);
            });
          };
          attempt(1000);
        });
        return async () => {
          stopped = true;
          clearTimeout(retry);
          cancelRetry();
          await (
            await stopJobs
          )();
          await stopScheduler();
        };
      },
    };
  } catch (err) {
    await ctx.close();
    throw err;
  }
}
