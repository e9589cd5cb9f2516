import type { AppError } from '../../platform/errors.js';
import type { ErrorReply } from '../../platform/http/module.js';

/** The seed file service was FastAPI: {"detail": "..."}; validation issues ride along as `errors`. */
export function renderFilesError(err: AppError): ErrorReply {
  const body: Record<string, unknown> = { detail: err.message };
  if (err.code === 'VALIDATION_FAILED' && Array.isArray(err.details)) body.errors = err.details;
  const headers: Record<string, string> = err.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
  return { status: err.status, body, headers };
}

export const FILES_ERRORS = {
  UNKNOWN_BUCKET: 'UNKNOWN_BUCKET',
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  UNSUPPORTED_TYPE: 'UNSUPPORTED_FILE_TYPE',
  URL_INVALID: 'URL_SIGNATURE_INVALID',
  URL_EXPIRED: 'URL_EXPIRED',
  RANGE: 'RANGE_NOT_SATISFIABLE',
  CONTENT_MISSING: 'FILE_CONTENT_MISSING',
  BUCKET_MANAGED: 'BUCKET_MANAGED_BY_MODULE',
} as const;
