import { AppError } from '../../platform/errors.js';
import type { ErrorReply } from '../../platform/http/module.js';

/** The wire codes of the messenger contract: every error body is {"message": "<code>"}. */
export const CODES = {
  BAD_PARAMETERS: 'bad-parameters',
  BAD_CURSOR: 'bad-cursor',
  USER_EXISTS: 'user-already-exists',
  USER_NOT_FOUND: 'user-not-found',
  BAD_PASSWORD: 'bad-password',
  AUTH_FAILED: 'auth-failed',
  INVALID_SESSION: 'invalid-session-id',
  SESSION_EXPIRED: 'session-id-expired',
  CHAT_NOT_FOUND: 'chat-not-found',
  TASK_NOT_FOUND: 'task-not-found',
  TASK_NOT_COMPLETE: 'task-not-complete',
  TASK_FAILED: 'task-failed',
  RATE_LIMITED: 'request-limit-exceeded',
  NOT_FOUND: 'not-found',
  METHOD_NOT_ALLOWED: 'method-not-allowed',
  UNAVAILABLE: 'service-unavailable',
} as const;

type Wire = (typeof CODES)[keyof typeof CODES];

/** A messenger error: `message` is the wire code itself. */
export const fail = (status: number, code: Wire) => new AppError(`MESSENGER_${code}`, status, code);
export const badParameters = () => fail(400, CODES.BAD_PARAMETERS);
export const chatNotFound = () => fail(404, CODES.CHAT_NOT_FOUND);
export const userNotFound404 = () => fail(404, CODES.USER_NOT_FOUND);
export const taskNotFound = () => fail(404, CODES.TASK_NOT_FOUND);
export const dbUnavailable = () => fail(503, CODES.UNAVAILABLE);

/** Identity's and the kernel's codes, in the messenger's words. */
const FROM_PLATFORM: Record<string, Wire> = {
  VALIDATION_FAILED: CODES.BAD_PARAMETERS,
  BAD_REQUEST: CODES.BAD_PARAMETERS,
  BAD_URL: CODES.BAD_PARAMETERS,
  UNSUPPORTED_MEDIA_TYPE: CODES.BAD_PARAMETERS,
  AUTH_MISSING: CODES.AUTH_FAILED,
  AUTH_MALFORMED: CODES.AUTH_FAILED,
  SESSION_EXPIRED: CODES.SESSION_EXPIRED,
  RATE_LIMITED: CODES.RATE_LIMITED,
  METHOD_NOT_ALLOWED: CODES.METHOD_NOT_ALLOWED,
};

export function renderMessengerError(err: AppError): ErrorReply {
  if (err.code.startsWith('MESSENGER_')) return { status: err.status, body: { message: err.message } };
  const mapped = FROM_PLATFORM[err.code];
  if (mapped) {
    const status = mapped === CODES.BAD_PARAMETERS ? 400 : err.status;
    return { status, body: { message: mapped } };
  }
  if (err.status === 401) return { status: 401, body: { message: CODES.INVALID_SESSION } };
  if (err.status === 404) return { status: 404, body: { message: CODES.NOT_FOUND } };
  if (err.status >= 500) return { status: err.status, body: { message: 'internal-error' } };
  return { status: err.status, body: { message: err.message.toLowerCase().replace(/[^a-z0-9]+/g, '-') } };
}

const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** Whether an error means "the database cannot be reached" (→ 503, the service keeps running). */
export function isDatabaseDown(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (typeof e.code === 'string' && DOWN_CODES.has(e.code)) return true;
    if (
      typeof e.message === 'string' &&
      /connection terminated|timeout exceeded when trying to connect|database is closed|Connection refused/i.test(
        e.message,
      )
    )
      return true;
    e = e.cause as typeof e;
  }
  return false;
}
