import type { LoggerOptions } from 'pino';
import type { Config } from '../../config.js';
import { telemetryLogOptions } from './tracing.js';

/** Credentials never reach the log, wherever they appear. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["api-key"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.old_password',
  '*.refresh_token',
  '*.access_token',
  '*.refresh',
  '*.access',
  '*.token',
  '*.secret',
];

/**
 * The access log: one line per request whose fields the kernel chooses (never headers, bodies or query
 * strings), so it skips redaction, which costs about as much as writing the line itself.
 */
export function accessLogOptions(config: Pick<Config, 'LOG_LEVEL'>): LoggerOptions {
  const { redact: _redact, hooks: _hooks, ...rest } = logOptions(config);
  return rest;
}

export function logOptions(config: Pick<Config, 'LOG_LEVEL'>): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { service: 'agora' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    ...telemetryLogOptions(),
  };
}
