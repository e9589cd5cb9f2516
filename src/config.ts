import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';

/**
 * Every environment variable Agora reads, with its type, default and description.
 * Nothing else in the code base reads process.env; the README table is checked against this list.
 */
type Kind = 'string' | 'int' | 'bool' | 'duration' | 'list' | 'enum';

interface Var<T> {
  kind: Kind;
  default: T;
  description: string;
  secret?: boolean;
  choices?: readonly string[];
  parse(raw: string): T;
}

class ConfigError extends Error {}

const str = (def: string, description: string, opts: { secret?: boolean } = {}): Var<string> => ({
  kind: 'string',
  default: def,
  description,
  ...opts,
  parse: (raw) => raw,
});

const int = (def: number, description: string, min = 0): Var<number> => ({
  kind: 'int',
  default: def,
  description,
  parse: (raw) => {
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min) throw new ConfigError(`must be at least ${min}, got ${n}`);
    return n;
  },
});

const bool = (def: boolean, description: string): Var<boolean> => ({
  kind: 'bool',
  default: def,
  description,
  parse: (raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
    throw new ConfigError(`must be true or false, got "${raw}"`);
  },
});

/** Durations are given as seconds ("300") or with a unit ("5m", "1h", "7d"); parsed to seconds. */
export function parseDuration(raw: string): number {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d)?\s*$/.exec(raw);
  if (!m) throw new ConfigError(`must be a duration like 300, 30s, 5m, 1h or 7d, got "${raw}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[unit]!;
  return n * factor;
}

const duration = (def: string, description: string): Var<number> => ({
  kind: 'duration',
  default: parseDuration(def),
  description: `${description} (default ${def})`,
  parse: parseDuration,
});

const list = (def: string[], description: string): Var<string[]> => ({
  kind: 'list',
  default: def,
  description,
  parse: (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
});

const oneOf = <const C extends readonly string[]>(choices: C, def: C[number], description: string): Var<C[number]> => ({
  kind: 'enum',
  default: def,
  description,
  choices,
  parse: (raw) => {
    const v = raw.trim();
    if (!choices.includes(v)) throw new ConfigError(`must be one of ${choices.join(', ')}, got "${raw}"`);
    return v as C[number];
  },
});

const mount = (module: string, prefix: string) =>
  str(prefix, `URL prefix of the ${module} module (e.g. "/" to serve it at the root)`);

export const CONFIG_SCHEMA = {
  AGORA_ENV: oneOf(
    ['development', 'production'] as const,
    'development',
    'development seeds demo data on first start; production requires real secrets and never creates demo data',
  ),
  PORT: int(8080, 'HTTP port', 0),
  HOST: str('0.0.0.0', 'Interface to listen on'),
  DATA_DIR: str('./data', 'Directory for the embedded database (pg/) and local files (files/)'),
  DATABASE_URL: str('', 'PostgreSQL URL; empty uses embedded PGlite in DATA_DIR/pg', { secret: true }),
  DATABASE_POOL_SIZE: int(10, 'PostgreSQL connection pool size per process', 1),
  PGLITE_SHARED_BUFFERS: {
    kind: 'string',
    default: '16MB',
    description: "Embedded PGlite's shared_buffers (PostgreSQL's 128MB default would be most of the process's memory)",
    parse: (raw: string) => {
      if (!/^\s*\d{1,7}\s*(kB|MB|GB)\s*$/.test(raw)) throw new ConfigError(`must be a size like 16MB, got "${raw}"`);
      return raw.replace(/\s+/g, '');
    },
  },
  MIGRATE: bool(true, 'Apply pending migrations at start-up (under an advisory lock)'),
  REDIS_URL: str('', 'Redis URL for cache, sessions, rate limits and pub/sub; empty uses in-process memory', {
    secret: true,
  }),
  REDIS_PREFIX: str('agora:', 'Prefix of every Redis key (lets several deployments share one Redis)'),
  AMQP_URL: str('', 'RabbitMQ URL for jobs and events; empty uses the embedded Postgres queue', { secret: true }),
  MODULES: list(['all'], 'Comma-separated modules to enable, or "all"'),
  JOBS_CONCURRENCY: int(4, 'Jobs one worker process runs at once (RabbitMQ prefetch)', 1),
  JOBS_MAX_ATTEMPTS: int(5, 'Attempts of a job before it is dead-lettered (a handler may set its own)', 1),
  JOBS_RETRY_BASE: duration('2s', 'First retry delay of a failed job; doubled on every further attempt'),
  JOBS_POLL_INTERVAL: duration('500ms', 'How often idle embedded workers and the outbox relay look for work'),
  JOBS_LEASE: duration('30s', 'Embedded queue: a job whose worker stops heart-beating for this long is run again'),
  JOBS_QUEUE: str('agora.jobs', 'RabbitMQ work queue name (its dead-letter queue is <name>.dead)'),
  SMTP_URL: str(
    '',
    'SMTP server for notification email (smtp[s]://user:pass@host:port); empty captures mail in the database',
    {
      secret: true,
    },
  ),
  SMTP_POOL_SIZE: int(5, 'Pooled SMTP connections per worker process', 1),
  MAIL_FROM: str('Agora <no-reply@agora.local>', 'From address of notification email'),
  NOTIFICATIONS_MIN_INTERVAL: duration('300s', 'Shortest interval a recurring (cron) notification may have'),
  NOTIFICATIONS_MAX_ATTEMPTS: int(5, 'Attempts of one notification delivery before it is dead', 1),
  NOTIFICATIONS_SCHEDULER_INTERVAL: duration('1s', 'How often the notification scheduler looks for due sends'),
  NOTIFICATIONS_DIGEST_INTERVAL: duration(
    '1h',
    'At most one messenger email digest per offline chat member this often',
  ),
  MESSENGER_RATE_LIMIT_ENABLED: bool(true, 'Throttle messenger requests per session (off when a proxy does it)'),
  MESSENGER_RATE_LIMIT_PER_SECOND: int(200, 'Messenger requests per second per session (per IP when anonymous)', 1),
  MESSENGER_HISTORY_CACHE_TTL: duration('5m', 'How long a cached messenger history page lives (new messages evict it)'),
  MESSENGER_SEARCH_TTL: duration('5m', 'How long messenger search results are kept after the task completes'),
  BACKOFFICE_ACCESS_TOKEN_TTL: duration('5m', 'Lifetime of the backoffice access_token cookie and its JWT'),
  BACKOFFICE_REFRESH_TOKEN_TTL: duration(
    '1d',
    'Lifetime of the backoffice refresh_token cookie (rotated on every refresh)',
  ),
  BACKOFFICE_COOKIE_SAMESITE: oneOf(
    ['Strict', 'Lax', 'None'] as const,
    'Strict',
    'SameSite attribute of the backoffice auth cookies (None needs HTTPS: browsers drop SameSite=None without Secure)',
  ),
  BACKOFFICE_INSECURE_COOKIES: bool(
    false,
    'Send the backoffice auth cookies without Secure (plain-HTTP development only)',
  ),
  BACKOFFICE_TRUSTED_ORIGINS: list(
    [],
    'Origins (scheme://host[:port]) besides the API’s own that may send cookie-authenticated unsafe backoffice requests',
  ),
  BACKOFFICE_FILE_MAX_BYTES: int(
    20971520,
    'Largest backoffice upload (avatar, course image, lesson file), in bytes',
    1,
  ),
  BACKOFFICE_FILE_URL_TTL: duration('1h', 'Lifetime of the signed file URLs in backoffice responses'),
  SEARCH_LANGUAGE: str(
    'english',
    'PostgreSQL text-search configuration for full-text search (english, russian, simple…)',
  ),
  MOUNT_IDENTITY: mount('identity', '/idp'),
  MOUNT_WISHLIST: mount('wishlist', '/wishlist'),
  MOUNT_BACKOFFICE: mount('backoffice', '/backoffice'),
  MOUNT_MESSENGER: mount('messenger', '/messenger'),
  MOUNT_MICROBLOG: mount('microblog', '/microblog'),
  MOUNT_CINEMA: mount('cinema', '/cinema'),
  MOUNT_FILES: mount('files', '/files'),
  MOUNT_NOTIFICATIONS: mount('notifications', '/notifications'),
  MOUNT_ADMIN: mount('admin', '/admin'),
  JWT_SECRET: str('', 'HS256 signing secret (≥32 chars). Required in production unless JWT_PRIVATE_KEY_FILE is set', {
    secret: true,
  }),
  JWT_PRIVATE_KEY_FILE: str(
    '',
    'PEM private key (RSA or EC) for asymmetric signing; publishes /idp/.well-known/jwks.json',
  ),
  JWT_ALGORITHM: oneOf(
    ['HS256', 'RS256', 'ES256'] as const,
    'HS256',
    'JWT signing algorithm (RS256/ES256 need JWT_PRIVATE_KEY_FILE)',
  ),
  JWT_ISSUER: str('agora', 'Issuer (iss) of access tokens'),
  JWT_AUDIENCE: str('agora', 'Audience (aud) of access tokens'),
  ACCESS_TOKEN_TTL: duration('5m', 'Lifetime of identity access tokens'),
  REFRESH_TOKEN_TTL: duration('7d', 'Lifetime of refresh tokens (rotated on every use)'),
  WISHLIST_ACCESS_TOKEN_TTL: duration('1d', 'Lifetime of wishlist (SimpleJWT) access tokens'),
  WISHLIST_REFRESH_TOKEN_TTL: duration('7d', 'Lifetime of wishlist (SimpleJWT) refresh tokens; they are not rotated'),
  SESSION_TTL: duration('1h', 'Lifetime of opaque session ids (messenger sessions)'),
  SESSION_CACHE_TTL: duration('60s', 'How long a resolved credential is cached; revocation invalidates it at once'),
  TOKEN_FLUSH_INTERVAL: duration('1h', 'How often expired sessions and refresh tokens are purged'),
  ARGON2_MEMORY_KIB: int(19456, 'argon2id memory cost in KiB (OWASP minimum 19456)', 1024),
  ARGON2_ITERATIONS: int(2, 'argon2id time cost', 1),
  RATE_LIMIT_ENABLED: bool(true, 'Enforce rate limits'),
  RATE_LIMIT_USER_PER_MINUTE: int(20, 'Requests per minute per user on identity endpoints (sliding window)', 1),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: int(10, 'Failed logins per account and IP per 15 minutes; past it that IP gets 429', 1),
  RATE_LIMIT_LOGIN_PER_ACCOUNT_ALL_IPS: int(
    100,
    "Failed logins per account from all addresses per 15 minutes (every module's login counts)",
    1,
  ),
  RATE_LIMIT_LOGIN_PER_IP: int(100, "Login attempts per IP per 15 minutes (every module's login counts)", 1),
  BODY_LIMIT: int(1048576, 'Maximum JSON/form request body in bytes', 1024),
  CORS_ORIGINS: list([], 'Allowed CORS origins, comma-separated; "*" allows any; empty disables CORS'),
  TRUST_PROXY: bool(false, 'Trust X-Forwarded-* headers (behind a reverse proxy)'),
  METRICS_TOKEN: str(
    '',
    'When set, /metrics answers only requests with "Authorization: Bearer <token>" (401 otherwise); empty leaves it open',
    { secret: true },
  ),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info', 'Log level'),
  SHUTDOWN_TIMEOUT: duration('10s', 'Grace period for in-flight requests on shutdown'),
  DEMO_DATA: bool(true, 'In development, seed demo data on the first start with an empty database'),
  S3_ENDPOINT: str(
    '',
    'S3-compatible endpoint URL (MinIO: http://minio:9000); empty stores files under DATA_DIR/files',
  ),
  S3_REGION: str('us-east-1', 'S3 region'),
  S3_ACCESS_KEY_ID: str('', 'S3 access key id', { secret: true }),
  S3_SECRET_ACCESS_KEY: str('', 'S3 secret access key', { secret: true }),
  S3_BUCKET: str('agora', 'S3 bucket holding every stored file'),
  S3_PUBLIC_ENDPOINT: str(
    '',
    'S3 endpoint written into presigned URLs when clients reach S3 at another address; empty uses S3_ENDPOINT',
  ),
  S3_FORCE_PATH_STYLE: bool(true, 'Path-style S3 URLs (needed by MinIO and most self-hosted S3 servers)'),
  FILES_SIGNING_SECRET: str('', 'HMAC key of signed local file URLs; empty derives one from JWT_SECRET', {
    secret: true,
  }),
  FILES_DEFAULT_BUCKET: str('default', 'Bucket of uploads that name none'),
  FILES_MAX_BYTES: int(52428800, 'Largest upload accepted in the default bucket, in bytes', 1),
  FILES_ALLOWED_TYPES: list(
    [
      'image/jpeg',
      'image/png',
      'image/gif',
      'image/webp',
      'application/pdf',
      'application/zip',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    'Content types (detected from the bytes) accepted in the default bucket',
  ),
  FILES_URL_MAX_EXPIRES: int(604800, 'Longest lifetime of a presigned or signed file URL, in seconds', 1),
  FILES_PUBLIC_BUCKETS: list(
    ['microblog'],
    'Buckets whose files anyone may download, signed in or not (tweet images); other files are private to their owner and admins',
  ),
  MICROBLOG_MEDIA_MAX_BYTES: int(10485760, 'Largest microblog image upload, in bytes (413 beyond)', 1),
  MICROBLOG_MEDIA_URL_PREFIX: str(
    '',
    'Path prefix written in tweet attachments; empty uses /api/medias (served at the root and under the mount), after X-Forwarded-Prefix when TRUST_PROXY',
  ),
  MICROBLOG_FEED_MAX_OFFSET: int(
    10000,
    'Deepest feed page by number: tweets skipped ((offset-1)*limit) beyond this answer 400; ?cursor= pages have no limit',
  ),
  MICROBLOG_MEDIA_UNATTACHED_TTL: duration('24h', 'An uploaded image never attached to a tweet is deleted after this'),
  CINEMA_CACHE_TTL: duration(
    '5m',
    'Lifetime of cached cinema catalogue answers (and their Cache-Control max-age for anonymous callers); 0 disables the cache',
  ),
  CINEMA_SEARCH_RANK_ALL: int(
    2000,
    'A cinema search whose rarest word is in fewer documents than this ranks every match; a commoner one ranks the 50+50 titles (names) nearest to the query first',
    1,
  ),
  // Identity federation (sign in with Google / VK ID) and Agora as an OpenID provider.
  PUBLIC_URL: str(
    '',
    'External base URL (scheme://host[:port]) of this deployment: OAuth callback URLs and the OpenID issuer are built from it; empty uses http://localhost:<PORT>',
  ),
  OAUTH_FRONTEND_REDIRECT_URL: str(
    '',
    'After an external login, send the browser here with ?code=<one-time code> for POST <identity>/api/v1/auth/token; empty answers the callback with the Token',
  ),
  OAUTH_RATE_LIMIT_PER_MINUTE: int(
    30,
    'Requests per minute per IP on external-login redirects, callbacks and code exchanges, and on the OpenID login page',
    1,
  ),
  OAUTH_GOOGLE_CLIENT_ID: str('', 'Google OAuth client id; set, it enables <identity>/api/v1/auth/google/'),
  OAUTH_GOOGLE_CLIENT_SECRET: str('', 'Google OAuth client secret', { secret: true }),
  OAUTH_GOOGLE_ISSUER: str(
    'https://accounts.google.com',
    'Google issuer URL; endpoints and signing keys come from its /.well-known/openid-configuration',
  ),
  OAUTH_GOOGLE_SCOPES: str('openid email profile', 'Scopes asked of Google'),
  OAUTH_VK_CLIENT_ID: str('', 'VK ID app id; set, it enables <identity>/api/v1/auth/vk/'),
  OAUTH_VK_CLIENT_SECRET: str('', 'VK ID app secret; empty sends none (VK ID relies on PKCE)', { secret: true }),
  OAUTH_VK_AUTHORIZATION_URL: str('https://id.vk.com/authorize', 'VK ID authorization endpoint'),
  OAUTH_VK_TOKEN_URL: str('https://id.vk.com/oauth2/auth', 'VK ID token endpoint (code + code_verifier + device_id)'),
  OAUTH_VK_USERINFO_URL: str(
    'https://id.vk.com/oauth2/user_info',
    'VK ID user endpoint (POST client_id, access_token)',
  ),
  OAUTH_VK_SCOPES: str('vkid.personal_info email', 'Scopes asked of VK ID'),
  OIDC_PROVIDER: oneOf(
    ['auto', 'on', 'off'] as const,
    'auto',
    'Agora as an OpenID provider (<identity>/.well-known/openid-configuration). auto: on in development, and in production when JWT_PRIVATE_KEY_FILE and PUBLIC_URL are set; on: production refuses to start without them',
  ),
  SUPERUSER_USERNAME: str('', 'Creates (or updates) this superuser at start-up when set with SUPERUSER_PASSWORD'),
  SUPERUSER_EMAIL: str('', 'Email of the SUPERUSER_USERNAME account'),
  SUPERUSER_PASSWORD: str('', 'Password of the SUPERUSER_USERNAME account', { secret: true }),
  OTEL_EXPORTER_OTLP_ENDPOINT: str(
    '',
    'OTLP/HTTP collector base URL (e.g. http://jaeger:4318); traces go to <url>/v1/traces. Empty disables tracing',
  ),
  OTEL_EXPORTER_OTLP_HEADERS: str('', 'Extra OTLP request headers, "key=value,key2=value2" (e.g. an API key)', {
    secret: true,
  }),
  OTEL_SERVICE_NAME: str('agora', 'service.name of exported spans (e.g. agora-serve, agora-worker)'),
  SENTRY_DSN: str('', 'Sentry DSN; when set, unhandled errors (5xx, failed tasks) are reported to Sentry', {
    secret: true,
  }),
  SENTRY_ENVIRONMENT: str('', 'Sentry environment tag; empty uses AGORA_ENV'),
} as const;

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
