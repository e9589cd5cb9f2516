import type { AppError } from '../../platform/errors.js';
import type { ErrorReply } from '../../platform/http/module.js';

const TYPES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  416: 'RangeNotSatisfiable',
  422: 'ValidationError',
  429: 'TooManyRequests',
  500: 'InternalServerError',
};

/**
 * The course contract's envelope on every non-2xx: {"result": false, "error_type", "error_message"}.
 * Schema validation failures answer 422, as the FastAPI original did.
 */
export function renderMicroblogError(err: AppError): ErrorReply {
  const status = err.code === 'VALIDATION_FAILED' ? 422 : err.status;
  const errorType = TYPES[status] ?? (status >= 500 ? 'InternalServerError' : 'Error');
  return { status, body: { result: false, error_type: errorType, error_message: err.message } };
}
