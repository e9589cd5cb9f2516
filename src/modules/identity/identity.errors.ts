import type { AppError } from '../../platform/errors.js';
import type { ErrorReply } from '../../platform/http/module.js';

/** Identity's envelope (the seed idp was FastAPI): {"detail": "..."}, plus field errors on validation. */
export function renderIdentityError(err: AppError): ErrorReply {
  const headers: Record<string, string> = {};
  if (err.status === 401) {
    headers['www-authenticate'] =
      err.code.startsWith('TOKEN') || err.code.startsWith('SESSION') ? 'Bearer error="invalid_token"' : 'Bearer';
  }
  const body: Record<string, unknown> = { detail: err.message };
  if (err.code === 'VALIDATION_FAILED' && Array.isArray(err.details)) body.errors = err.details;
  // A login that needs the existing account's consent carries the token that accepts the link.
  if (err.code === 'LINK_REQUIRED' && err.details) Object.assign(body, err.details);
  return { status: err.status, body, headers };
}
