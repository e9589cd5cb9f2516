import type { FastifyRequest } from 'fastify';
import { issuesToFields } from '../../platform/http/drf.js';
import { AppError, type FieldIssue } from '../../platform/errors.js';
import type { ErrorReply } from '../../platform/http/module.js';

/** SimpleJWT's TokenViewBase/JWTAuthentication header: every 401 of the original carries it. */
export const WWW_AUTHENTICATE = 'Bearer realm="api"';

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
  const auth = { 'www-authenticate': WWW_AUTHENTICATE };
  switch (err.code) {
    case 'WL_INVALID':
      return { status: 400, body: err.details };
    case 'VALIDATION_FAILED':
      return { status: 400, body: issuesToFields((err.details as FieldIssue[]) ?? []) };
    case 'WL_TOKEN_NOT_VALID':
      return {
        status: 401,
        headers: auth,
        body: {
          detail: err.message,
          code: 'token_not_valid',
          messages: [{ token_class: 'AccessToken', token_type: 'access', message: err.details }],
        },
      };
    case 'WL_USER_INACTIVE':
      return { status: 401, headers: auth, body: { detail: err.message, code: 'user_inactive' } };
    case 'WL_BAD_AUTH_HEADER':
      return { status: 401, headers: auth, body: { detail: err.message, code: 'bad_authorization_header' } };
    case 'WL_REFRESH_INVALID':
      return { status: 401, headers: auth, body: { detail: err.message, code: 'token_not_valid' } };
    case 'RATE_LIMITED': {
      const wait = Number(err.headers?.['retry-after'] ?? 60);
      return { status: 429, body: { detail: `Request was throttled. Expected available in ${wait} seconds.` } };
    }
    case 'BAD_REQUEST':
      // DRF's ParseError for a body that is not JSON.
      return { status: 400, body: { detail: `JSON parse error - ${err.message}` } };
    case 'UNSUPPORTED_MEDIA_TYPE':
      return {
        status: 415,
        body: { detail: `Unsupported media type "${String(req.headers['content-type'] ?? '')}" in request.` },
      };
    default:
      break;
  }
  if (err.status === 401) return { status: 401, headers: auth, body: { detail: err.message } };
  if (err.status === 404)
    return { status: 404, body: { detail: err.code === 'INVALID_PAGE' ? err.message : 'Not found.' } };
  if (err.status >= 500) return { status: err.status, body: { detail: 'A server error occurred.' } };
  return { status: err.status, body: { detail: err.message } };
}
