import type { FastifyRequest } from 'fastify';
import { AppError, type FieldIssue } from '../../platform/errors.js';
import { EMPTY_JSON_BODY, MALFORMED_JSON } from '../../platform/http/errors.js';
import type { ErrorReply } from '../../platform/http/module.js';

/** Fastify's names for the parts of a request, as FastAPI's `loc` spells them. */
const LOC: Record<string, string> = { querystring: 'query', params: 'path', body: 'body', headers: 'header' };

/** FastAPI's 422: {"detail": [{loc, msg, type}]}. */
export const invalid = (loc: (string | number)[], msg: string, type = 'value_error') =>
  new AppError('VALIDATION_FAILED', 422, msg, [{ loc, msg, type }] satisfies FieldIssue[]);

export const filmNotFound = () => new AppError('NOT_FOUND', 404, 'film not found');
export const genreNotFound = () => new AppError('NOT_FOUND', 404, 'genre not found');
export const personNotFound = () => new AppError('NOT_FOUND', 404, 'person not found');
export const reviewNotFound = () => new AppError('NOT_FOUND', 404, 'review not found');
export const bookmarkNotFound = () => new AppError('NOT_FOUND', 404, 'bookmark not found');

/** The event intake answers in the seed's Flask envelope: {"success": false, "message"?}. */
const isEventRoute = (req: FastifyRequest) => (req.routeOptions.url ?? '').endsWith('/event');

/**
 * FastAPI's envelope: {"detail": "..."}; schema validation answers 422 with {"detail": [{loc, msg, type}]}.
 * The event intake keeps the seed's {"success": false} envelope with 400.
 */
export function renderCinemaError(err: AppError, req: FastifyRequest): ErrorReply {
  if (err.code === 'EVENT_REFUSED') return { status: 400, body: err.details };
  const unauthorized = err.status === 401 ? { 'www-authenticate': 'Bearer' } : undefined;
  if (isEventRoute(req) && err.status < 500) {
    // A bad token keeps its 401 (the client should refresh it), in the envelope the event client reads.
    return {
      status: [401, 405, 413, 415].includes(err.status) ? err.status : 400,
      body: { success: false, message: err.message },
      ...(unauthorized ? { headers: unauthorized } : {}),
    };
  }
  // FastAPI answers a body that is not JSON, or none where one is required, with its 422.
  if (err.code === 'BAD_REQUEST' && err.message === MALFORMED_JSON)
    return { status: 422, body: { detail: [{ loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' }] } };
  if (err.code === 'BAD_REQUEST' && err.message === EMPTY_JSON_BODY)
    return { status: 422, body: { detail: [{ loc: ['body'], msg: 'Field required', type: 'missing' }] } };
  const validation = err.code === 'VALIDATION_FAILED';
  if (validation) {
    const issues = Array.isArray(err.details) ? (err.details as FieldIssue[]) : [];
    const detail = issues.map((i) => ({ ...i, loc: [LOC[String(i.loc[0])] ?? i.loc[0], ...i.loc.slice(1)] }));
    return {
      status: 422,
      body: { detail: detail.length ? detail : [{ loc: ['body'], msg: err.message, type: 'value_error' }] },
    };
  }
  return { status: err.status, body: { detail: err.message }, headers: unauthorized ?? {} };
}
