import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import { IDENTITY_VARS } from './config/identity.js';
import { MODULE_VARS } from './config/modules.js';
import { PLATFORM_VARS } from './config/platform.js';
import { ConfigError, type Kind, type Var } from './config/vars.js';

export { parseDuration } from './config/vars.js';

/**
 * Every environment variable Agora reads, with its type, default and description, by concern (src/config/).
 * Nothing else in the code base reads process.env; the README table is checked against this list.
 */
export const CONFIG_SCHEMA = { ...PLATFORM_VARS, ...IDENTITY_VARS, ...MODULE_VARS } as const;

type Schema = typeof CONFIG_SCHEMA;
export type Config = { -readonly [K in keyof Schema]: Schema[K] extends Var<infer T> ? T : never };

const DEFAULT_SECRETS = new Set(['', 'secret', 'changeme', 'change-me', 'dev', 'development']);

/**
 * Builds the config from an environment map (process.env plus an optional .env file, the environment winning).
 * Throws one error naming every invalid variable.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  opts: { dotenvPath?: string | null } = {},
): Config {
  const dotenvPath = opts.dotenvPath === undefined ? '.env' : opts.dotenvPath;
  const fromFile = dotenvPath && existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const merged: Record<string, string | undefined> = { ...fromFile, ...env };
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(CONFIG_SCHEMA) as [string, Var<unknown>][]) {
    const raw = merged[name];
    if (raw === undefined || (raw === '' && spec.kind !== 'string' && spec.kind !== 'list')) {
      out[name] = spec.default;
      continue;
    }
    try {
      out[name] = spec.parse(raw);
    } catch (err) {
      problems.push(`${name} ${(err as Error).message}`);
    }
  }
  const config = out as Config;
  if (config.AGORA_ENV === 'production') {
    if (!config.JWT_PRIVATE_KEY_FILE && (DEFAULT_SECRETS.has(config.JWT_SECRET) || config.JWT_SECRET.length < 32)) {
      problems.push('JWT_SECRET must be set to a random value of at least 32 characters in production');
    }
  } else if (config.JWT_SECRET && config.JWT_SECRET.length < 32) {
    problems.push('JWT_SECRET must be at least 32 characters');
  }
  if (config.AGORA_ENV === 'production' && (config.OAUTH_GOOGLE_CLIENT_ID || config.OAUTH_VK_CLIENT_ID)) {
    if (!config.PUBLIC_URL) problems.push('External login (OAUTH_*_CLIENT_ID) needs PUBLIC_URL in production');
    for (const name of [
      'OAUTH_GOOGLE_ISSUER',
      'OAUTH_VK_AUTHORIZATION_URL',
      'OAUTH_VK_TOKEN_URL',
      'OAUTH_VK_USERINFO_URL',
    ] as const)
      if (!config[name].startsWith('https://')) problems.push(`${name} must be an https URL in production`);
  }
  if (config.AGORA_ENV === 'production' && config.OIDC_PROVIDER === 'on') {
    if (!config.JWT_PRIVATE_KEY_FILE)
      problems.push('OIDC_PROVIDER=on needs JWT_PRIVATE_KEY_FILE (its signing key) in production');
    if (!config.PUBLIC_URL) problems.push('OIDC_PROVIDER=on needs PUBLIC_URL (its issuer) in production');
  }
  if (config.JWT_ALGORITHM !== 'HS256' && !config.JWT_PRIVATE_KEY_FILE) {
    problems.push(`JWT_ALGORITHM ${config.JWT_ALGORITHM} needs JWT_PRIVATE_KEY_FILE`);
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}

/** Config for tests and scripts: defaults, overridden by the given values (never the process environment). */
export function configFrom(values: Partial<Record<keyof Config, string>>): Config {
  return loadConfig(values, { dotenvPath: null });
}

export function describeConfig(): { name: string; kind: Kind; default: string; description: string }[] {
  return (Object.entries(CONFIG_SCHEMA) as [string, Var<unknown>][]).map(([name, spec]) => ({
    name,
    kind: spec.kind,
    default: Array.isArray(spec.default)
      ? spec.default.join(',')
      : spec.kind === 'duration'
        ? `${String(spec.default)}s`
        : String(spec.default),
    description: spec.choices ? `${spec.description} (${spec.choices.join(' | ')})` : spec.description,
  }));
}

export { ConfigError };
