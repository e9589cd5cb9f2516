import { ConfigError, bool, duration, int, list, mount, oneOf, str } from './vars.js';

/** The platform: process, database, cache, queue, jobs, mail transport, mounts, HTTP, files, telemetry. */
export const PLATFORM_VARS = {
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
  RATE_LIMIT_ENABLED: bool(true, 'Enforce rate limits'),
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
