import type { Agora } from '../app.js';
import type { Database } from '../platform/db/database.js';
import { migrate } from '../platform/db/migrate.js';

/**
 * The CLI commands that work on the database. Each runs against a built app and returns the lines to print,
 * so the same code runs in the CLI's own process or, while a server holds the embedded database, inside that
 * server (through its admin channel).
 */
export interface CommandArgs {
  username?: string;
  email?: string;
  password?: string;
  user?: string;
  name?: string;
  /** The words after `agora oidc` (parsed by identity's OpenID client command). */
  argv?: string[];
}

/** Checked where the command is typed and again where it runs. */
export function superuserArgs(a: CommandArgs): { username: string; password: string } {
  if (!a.username || !a.password)
    throw new Error('createsuperuser needs --username and --password (or SUPERUSER_USERNAME/PASSWORD)');
  if (a.password.length < 8) throw new Error('password must be at least 8 characters');
  return { username: a.username, password: a.password };
}

export async function migrationLines(database: Database): Promise<string[]> {
  const applied = await migrate(database);
  return [applied.length ? `Applied ${applied.join(', ')}` : 'No pending migrations'];
}

export const DB_COMMANDS = {
  migrate: (agora: Agora) => migrationLines(agora.ctx.database),

  async seed(agora: Agora): Promise<string[]> {
    if (agora.ctx.config.AGORA_ENV === 'production')
      throw new Error('agora seed creates demo data and is refused in production');
    const lines = await agora.seed();
    return lines.length ? lines : ['Demo data already present'];
  },

  async createsuperuser(agora: Agora, a: CommandArgs): Promise<string[]> {
    const { username, password } = superuserArgs(a);
    const { created } = await agora.identity.service.ensureSuperuser({ username, email: a.email, password });
    return [`${created ? 'Created' : 'Updated'} superuser ${username}`];
  },

  async 'apikey create'(agora: Agora, a: CommandArgs): Promise<string[]> {
    if (!a.user) throw new Error('apikey create needs --user <username>');
    const user = await agora.identity.service.getUserByUsername(a.user);
    if (!user) throw new Error(`no user named ${a.user}`);
    const { key } = await agora.identity.service.createApiKey(user.id, a.name ?? 'cli');
    return [key];
  },

  async 'tokens flush-expired'(agora: Agora): Promise<string[]> {
    const r = await agora.identity.service.flushExpired();
    return [`Removed ${r.sessions} sessions and ${r.refreshTokens} refresh tokens`];
  },

  oidc: async (agora: Agora, a: CommandArgs) =>
    (await import('../modules/identity/index.js')).oidcCommand(agora.identity.oidcClients, a.argv ?? []),

  async openapi(agora: Agora): Promise<string[]> {
    return [JSON.stringify(agora.app.swagger(), null, 2)];
  },
} satisfies Record<string, (agora: Agora, args: CommandArgs) => Promise<string[]>>;

export type DbCommand = keyof typeof DB_COMMANDS;

export const isDbCommand = (name: unknown): name is DbCommand =>
  typeof name === 'string' && Object.hasOwn(DB_COMMANDS, name);
