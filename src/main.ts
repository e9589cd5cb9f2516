import { parseArgs } from 'node:util';
import { buildApp, type Agora } from './app.js';
import { loadConfig, type Config } from './config.js';
import { openDatabase, pgliteDir } from './platform/db/database.js';
import { migrate } from './platform/db/migrate.js';
import { oidcCommand } from './modules/identity/index.js';
import { stopTelemetry } from './platform/observability/tracing.js';

const HELP = `agora <command>

  start                       HTTP server and workers in one process (what npm start runs)
  serve                       HTTP server only
  worker                      scheduled tasks and job consumers only
  migrate                     apply pending migrations
  seed                        demo data for every enabled module (idempotent; refused in production)
  createsuperuser             --username U [--email E] [--password P] (or SUPERUSER_* variables)
  apikey create               --user U [--name N]   prints a new API key once
  tokens flush-expired        delete expired sessions and refresh tokens
  oidc client create|list|delete  clients of the OpenID provider (agora oidc client for usage)
  openapi                     print the OpenAPI document

Configuration comes from the environment and .env; see README.md.`;

const out = (line: string) => process.stdout.write(`${line}\n`);

async function withApp<T>(config: Config, fn: (agora: Agora) => Promise<T>): Promise<T> {
  const agora = await buildApp({ ...config, LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  try {
    return await fn(agora);
  } finally {
    await agora.app.close();
  }
}

async function firstStart(agora: Agora, config: Config) {
  const { service } = agora.identity;
  if (config.SUPERUSER_USERNAME && config.SUPERUSER_PASSWORD) {
    await service.ensureSuperuser({
      username: config.SUPERUSER_USERNAME,
      email: config.SUPERUSER_EMAIL || undefined,
      password: config.SUPERUSER_PASSWORD,
    });
  }
  if (config.AGORA_ENV !== 'development' || !config.DEMO_DATA) return;
  const anyone = await service.listUsers({ page: 1, size: 1 });
  const onlySuperuser = anyone.length === 1 && anyone[0]!.username === config.SUPERUSER_USERNAME;
  if (anyone.length && !onlySuperuser) return;
  const lines = await agora.seed();
  out('Demo data created (development mode). Logins:');
  for (const line of lines) out(`  ${line}`);
}

async function run(mode: 'start' | 'serve' | 'worker', config: Config) {
  const agora = await buildApp(config);
  const { app, ctx } = agora;
  if (mode !== 'worker') await firstStart(agora, config);
  const stopWorkers = mode === 'serve' ? async () => undefined : agora.startWorkers();
  if (mode !== 'worker') {
    await app.listen({ port: config.PORT, host: config.HOST });
    const base = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}`;
    ctx.log.info(
      { url: base, modules: agora.modules.map((m) => m.name), database: ctx.database.kind },
      'agora is serving',
    );
    out(`Agora serving ${agora.modules.map((m) => m.name).join(', ')} on ${base} — docs at ${base}/docs`);
  } else {
    ctx.log.info('agora worker started');
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      ctx.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT * 1000);
    force.unref();
    await stopWorkers();
    await app.close();
    await stopTelemetry(); // flush the last spans
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

async function main(argv: string[]) {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') return out(HELP);
  const config = loadConfig();
  switch (command) {
    case 'start':
    case 'serve':
    case 'worker':
      return run(command, config);
    case 'migrate': {
      const database = await openDatabase({
        url: config.DATABASE_URL || undefined,
        dataDir: pgliteDir(config.DATA_DIR),
      });
      try {
        const applied = await migrate(database);
        out(applied.length ? `Applied ${applied.join(', ')}` : 'No pending migrations');
      } finally {
        await database.close();
      }
      return;
    }
    case 'seed':
      if (config.AGORA_ENV === 'production')
        throw new Error('agora seed creates demo data and is refused in production');
      return withApp(config, async (agora) => {
        const lines = await agora.seed();
        out(lines.length ? lines.join('\n') : 'Demo data already present');
      });
    case 'createsuperuser': {
      const { values } = parseArgs({
        args: [sub, ...rest].filter((a): a is string => a !== undefined),
        options: { username: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' } },
      });
      const username = values.username ?? config.SUPERUSER_USERNAME;
      const password = values.password ?? config.SUPERUSER_PASSWORD;
      if (!username || !password)
        throw new Error('createsuperuser needs --username and --password (or SUPERUSER_USERNAME/PASSWORD)');
      if (password.length < 8) throw new Error('password must be at least 8 characters');
      return withApp(config, async (agora) => {
        const { created } = await agora.identity.service.ensureSuperuser({
          username,
          email: values.email ?? (config.SUPERUSER_EMAIL || undefined),
          password,
        });
        out(`${created ? 'Created' : 'Updated'} superuser ${username}`);
      });
    }
    case 'apikey': {
      if (sub !== 'create') throw new Error('usage: agora apikey create --user <username> [--name <name>]');
      const { values } = parseArgs({ args: rest, options: { user: { type: 'string' }, name: { type: 'string' } } });
      if (!values.user) throw new Error('apikey create needs --user <username>');
      return withApp(config, async (agora) => {
        const user = await agora.identity.service.getUserByUsername(values.user!);
        if (!user) throw new Error(`no user named ${values.user}`);
        const { key } = await agora.identity.service.createApiKey(user.id, values.name ?? 'cli');
        out(key);
      });
    }
    case 'tokens': {
      if (sub !== 'flush-expired') throw new Error('usage: agora tokens flush-expired');
      return withApp(config, async (agora) => {
        const r = await agora.identity.service.flushExpired();
        out(`Removed ${r.sessions} sessions and ${r.refreshTokens} refresh tokens`);
      });
    }
    case 'oidc':
      return withApp(config, async (agora) =>
        out((await oidcCommand(agora.identity.oidcClients, [sub ?? '', ...rest])).join('\n')),
      );
    case 'openapi':
      return withApp({ ...config, LOG_LEVEL: 'silent' }, async (agora) => {
        out(JSON.stringify(agora.app.swagger(), null, 2));
      });
    default:
      throw new Error(`unknown command "${command}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`agora: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
