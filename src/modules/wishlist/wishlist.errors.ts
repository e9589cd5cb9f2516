import type { FastifyRequest } from 'fastify';
import { renderDrfShared, unauthorized } from '../../platform/http/drf.js';
import { AppError } from '../../platform/errors.js';
import type { ErrorReply } from '../../platform/http/module.js';

export { WWW_AUTHENTICATE } from '../../platform/http/drf.js';

/** A DRF serializer's 400: `{field: [messages]}` in field order. */
export const invalid = (errors: Record<string, string[]>) => new AppError('WL_INVALID', 400, 'Invalid input.', errors);

/** SimpleJWT's InvalidToken on an authenticated route; `message` goes into its `messages` list. */
export const tokenNotValid = (message: string) =>
  new AppError('WL_TOKEN_NOT_VALID', 401, 'Given token not valid for any token type', message);
export const userInactive = () => new AppError('WL_USER_INACTIVE', 401, 'User is inactive');
export const badAuthHeader = () =>
  new AppError('WL_BAD_AUTH_HEADER', 401, 'Authorization header must contain two space-delimited values');
export const notAuthenticated = () =>
  new AppError('WL_NOT_AUTHENTICATED', 401, 'Authentication credentials were not provided.');
export const noActiveAccount = () =>
  new AppError('WL_NO_ACTIVE_ACCOUNT', 401, 'No active account found with the given credentials');
export const refreshInvalid = () => new AppError('WL_REFRESH_INVALID', 401, 'Token is invalid or expired');
export const refreshNoAccount = () =>
  new AppError('WL_REFRESH_NO_ACCOUNT', 401, 'No active account found for the given token.');
export const wishNotFound = () => new AppError('NOT_FOUND', 404, 'Not found.');

/** Renders every error under the module in DRF's shapes. */
export function renderWishlistError(err: AppError, req: FastifyRequest): ErrorReply {
  switch (err.code) {
    case 'WL_INVALID':
      return { status: 400, body: err.details };
    case 'WL_BAD_AUTH_HEADER':
      return unauthorized(err.message, 'bad_authorization_header');
    case 'BAD_REQUEST':
      // DRF's ParseError for a body that is not JSON.
      return { status: 400, body: { detail: `JSON parse error - ${err.message}` } };
    default:
      break;
  }
  const shared = renderDrfShared(err, req, {
    tokenNotValid: 'WL_TOKEN_NOT_VALID',
    userInactive: 'WL_USER_INACTIVE',
    refreshRejected: 'WL_REFRESH_INVALID',
  });
  if (shared) return shared;
  if (err.status === 404)
    return { status: 404, body: { detail: err.code === 'INVALID_PAGE' ? err.message : 'Not found.' } };
  return { status: err.status, body: { detail: err.message } };
}
