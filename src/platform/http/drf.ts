import type { FastifyRequest } from 'fastify';
import type { AppError, FieldIssue } from '../errors.js';
import type { ErrorReply } from './module.js';

/**
 * What the Django REST Framework modules (wishlist, back office) share of DRF's wording: the Python type name
 * its messages give for a JSON value, and Fastify validation issues as DRF's `{field: [messages]}`.
 */
export const pyType = (v: unknown): string =>
  v === null
    ? 'NoneType'
    : Array.isArray(v)
      ? 'list'
      : typeof v === 'boolean'
        ? 'bool'
        : typeof v === 'number'
          ? Number.isInteger(v)
            ? 'int'
            : 'float'
          : typeof v === 'object'
            ? 'dict'
            : 'str';

/** Fastify's own validation issues (only where a route lets Ajv validate) as DRF field lists. */
export function issuesToFields(issues: FieldIssue[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of issues) {
    const field = String(i.loc[1] ?? 'non_field_errors');
    (out[field] ??= []).push(i.type === 'missing' ? 'This field is required.' : 'Invalid value.');
  }
  return out;
}

/** Timestamps whose text isoTime keeps (about 80 bytes each); all are forgotten at once when it is full. */
const ISO_TEXTS_MAX = 8192;
const isoTexts = new Map<number, string>();

/**
 * DRF's datetime text: ISO-8601 in UTC with milliseconds and `Z` (`Date.toISOString`), kept per instant.
 * A list shows the same rows on every read, and formatting cost about 0.6 µs a timestamp: two per wish, 25 µs
 * of a 20-wish list. An invalid date still throws, as toISOString does.
 */
export function isoTime(d: Date): string {
  const t = d.getTime();
  let text = isoTexts.get(t);
  if (text === undefined) {
    text = d.toISOString();
    if (isoTexts.size >= ISO_TEXTS_MAX) isoTexts.clear();
    isoTexts.set(t, text);
  }
  return text;
}

/** SimpleJWT's JWTAuthentication header: every 401 of the originals carries it. */
export const WWW_AUTHENTICATE = 'Bearer realm="api"';
const AUTH = { 'www-authenticate': WWW_AUTHENTICATE };

/** A 401 as DRF words it, with SimpleJWT's `code` when it gives one. */
export const unauthorized = (detail: string, code?: string): ErrorReply => ({
  status: 401,
  headers: AUTH,
  body: code ? { detail, code } : { detail },
});

/** Each module's own codes for SimpleJWT's token errors (its errors.ts makes them). */
export interface SimpleJwtCodes {
  /** InvalidToken while authenticating a request; the error's details are the message for `messages`. */
  tokenNotValid: string;
  userInactive: string;
  /** The refresh view's InvalidToken. */
  refreshRejected: string;
}

/**
 * The answers DRF with SimpleJWT gives alike in both modules: field errors Fastify found, SimpleJWT's token
 * errors, throttling, an unsupported content type, and the server error. Undefined: the module's own wording.
 */
export function renderDrfShared(err: AppError, req: FastifyRequest, codes: SimpleJwtCodes): ErrorReply | undefined {
  switch (err.code) {
    case 'VALIDATION_FAILED':
      return { status: 400, body: issuesToFields((err.details as FieldIssue[]) ?? []) };
    case codes.tokenNotValid:
      return {
        status: 401,
        headers: AUTH,
        body: {
          detail: err.message,
          code: 'token_not_valid',
          messages: [{ token_class: 'AccessToken', token_type: 'access', message: err.details }],
        },
      };
    case codes.userInactive:
      return unauthorized(err.message, 'user_inactive');
    case codes.refreshRejected:
      return unauthorized(err.message, 'token_not_valid');
    case 'RATE_LIMITED': {
      const wait = Number(err.headers?.['retry-after'] ?? 60);
      return { status: 429, body: { detail: `Request was throttled. Expected available in ${wait} seconds.` } };
    }
    case 'UNSUPPORTED_MEDIA_TYPE':
      return {
        status: 415,
        body: { detail: `Unsupported media type "${String(req.headers['content-type'] ?? '')}" in request.` },
      };
    default:
      if (err.status === 401) return unauthorized(err.message);
      if (err.status >= 500) return { status: err.status, body: { detail: 'A server error occurred.' } };
      return undefined;
  }
}
