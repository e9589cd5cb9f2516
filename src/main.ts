import { parseArgs } from 'node:util';
import type { Agora, BuildOptions } from './app.js';
import { loadConfig, type Config } from './config.js';
import { callAdminChannel, serveAdminChannel } from './cli/admin-channel.js';
import { DB_COMMANDS, migrationLines, superuserArgs, type CommandArgs, type DbCommand } from './cli/commands.js';
import { DataDirLockedError, describeHolder } from './platform/db/data-dir-lock.js';
import { databaseOptions, openDatabase } from './platform/db/database.js';
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

On the embedded database (no DATABASE_URL) one process holds DATA_DIR: while a server runs there, the
database commands above are carried out by it (through DATA_DIR/run/agora.sock).
Configuration comes from the environment and .env; see README.md.`;

const out = (line: string) => process.stdout.write(`${line}\n`);

/** The application's code is loaded only by the commands that build it (a chunk of its own in the bundle). */
async function buildApp(config: Config, opts?: BuildOptions): Promise<Agora> {
  return (await import('./app.js')).buildApp(config, opts);
}

async function withApp<T>(config: Config, fn: (agora: Agora) => Promise<T>): Promise<T> {
  const agora = await buildApp(config);
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
  // The database opens (on PGlite: WebAssembly and PostgreSQL's start) while the application's code loads.
  const [database, app$] = await Promise.allSettled([openDatabase(databaseOptions(config)), import('./app.js')]);
  if (database.status === 'rejected' || app$.status === 'rejected') {
    if (database.status === 'fulfilled') await database.value.close();
    throw database.status === 'rejected' ? database.reason : (app$ as PromiseRejectedResult).reason;
  }
  const agora = await app$.value.buildApp(config, { database: database.value }).catch(async (err: unknown) => {
    await database.value.close();
    throw err;
  });
  const { app, ctx } = agora;
  // Scheduled tasks and job consumers: a worker starts them at once; `start` after the listen, since the first
  // request does not need them (on PGlite they would queue their statements before it).
  let stopWorkers: () => Promise<void> = mode === 'worker' ? agora.startWorkers() : async () => undefined;
  // Holding the embedded database, this process carries out the CLI's database commands for it.
  const channel =
    ctx.database.kind === 'pglite'
      ? await serveAdminChannel(config.DATA_DIR, (req) => DB_COMMANDS[req.command](agora, req.args), ctx.log)
      : undefined;
  if (mode !== 'worker') {
    await app.listen({ port: config.PORT, host: config.HOST });
    const base = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}`;
    ctx.log.info(
      { url: base, modules: agora.modules.map((m) => m.name), database: ctx.database.kind },
      'agora is serving',
    );
    out(`Agora serving ${agora.modules.map((m) => m.name).join(', ')} on ${base} — docs at ${base}/docs`);
    if (mode === 'start') stopWorkers = agora.startWorkers();
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
    await channel?.close();
    await stopWorkers();
    await app.close();
    await database.value.close(); // given to the app, so not closed with it
    await stopTelemetry(); // flush the last spans
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Demo data is not needed for the first request: it follows the listen (the superuser, too, is idempotent),
  // and a signal meanwhile shuts down as at any other time.
  if (mode !== 'worker') await firstStart(agora, config);
}

/** The options of a database command, from its arguments (and SUPERUSER_* for createsuperuser). */
function commandArgs(command: DbCommand, args: string[], config: Config): CommandArgs {
  switch (command) {
    case 'createsuperuser': {
      const { values } = parseArgs({
        args,
        options: { username: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' } },
      });
      const email = values.email ?? (config.SUPERUSER_EMAIL || undefined);
      return {
        ...superuserArgs({
          username: values.username ?? config.SUPERUSER_USERNAME,
          password: values.password ?? config.SUPERUSER_PASSWORD,
        }),
        email,
      };
    }
    case 'apikey create': {
      const { values } = parseArgs({ args, options: { user: { type: 'string' }, name: { type: 'string' } } });
      if (!values.user) throw new Error('apikey create needs --user <username>');
      return { user: values.user, name: values.name };
    }
    case 'oidc':
      return { argv: args };
    case 'seed':
      if (config.AGORA_ENV === 'production')
        throw new Error('agora seed creates demo data and is refused in production');
      return {};
    default:
      return {};
  }
}

/** `migrate` needs only the database; the others build the app (quietly) around it. */
async function runHere(config: Config, command: DbCommand, args: CommandArgs): Promise<string[]> {
  if (command === 'migrate') {
    const database = await openDatabase(databaseOptions(config, true));
    try {
      return await migrationLines(database);
    } finally {
      await database.close();
    }
  }
  const quiet = command === 'openapi' ? 'silent' : config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL;
  return withApp({ ...config, LOG_LEVEL: quiet }, (agora) => DB_COMMANDS[command](agora, args));
}

/**
 * Runs a database command in this process; while another process holds the embedded database, through that
 * process's admin channel instead, or stops with the lock's message when it offers none.
 */
async function databaseCommand(config: Config, command: DbCommand, argv: string[]) {
  const args = commandArgs(command, argv, config);
  let lines: string[];
  try {
    lines = await runHere(config, command, args);
  } catch (err) {
    if (!(err instanceof DataDirLockedError) || !err.holder) throw err;
    const result = await callAdminChannel(config.DATA_DIR, { command, args });
    if (result.kind === 'unreachable') throw new Error(`${err.message}\n(${result.reason})`);
    if (result.kind === 'failed') throw new Error(result.error);
    process.stderr.write(`agora: done by the running ${describeHolder(err.holder)}\n`);
    lines = result.lines;
  }
  for (const line of lines) out(line);
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
    case 'migrate':
    case 'seed':
    case 'createsuperuser':
    case 'openapi':
      return databaseCommand(
        config,
        command,
        [sub, ...rest].filter((a): a is string => a !== undefined),
      );
    case 'apikey':
      if (sub !== 'create') throw new Error('usage: agora apikey create --user <username> [--name <name>]');
      return databaseCommand(config, 'apikey create', rest);
    case 'tokens':
      if (sub !== 'flush-expired') throw new Error('usage: agora tokens flush-expired');
      return databaseCommand(config, 'tokens flush-expired', rest);
    case 'oidc':
      return databaseCommand(
        config,
        'oidc',
        [sub, ...rest].filter((a): a is string => a !== undefined),
      );
    default:
      throw new Error(`unknown command "${command}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`agora: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
