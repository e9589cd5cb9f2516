import type { FastifyRequest } from 'fastify';
import { renderDrfShared } from '../../platform/http/drf.js';
import { AppError } from '../../platform/errors.js';
import type { ErrorReply } from '../../platform/http/module.js';

export { WWW_AUTHENTICATE } from '../../platform/http/drf.js';

export type FieldErrors = { [field: string]: string[] | FieldErrors };

/** A DRF serializer's 400: `{field: [messages]}` (nested serializers nest their own object). */
export const invalid = (errors: FieldErrors) => new AppError('BO_INVALID', 400, 'Invalid input.', errors);
export const nonField = (message: string) => invalid({ non_field_errors: [message] });

export const notAuthenticated = () =>
  new AppError('BO_NOT_AUTHENTICATED', 401, 'Authentication credentials were not provided.');
/** SimpleJWT's InvalidToken raised while authenticating a request: `message` goes into its `messages` list. */
export const tokenNotValid = (message: string) =>
  new AppError('BO_TOKEN_NOT_VALID', 401, 'Given token not valid for any token type', message);
export const userInactive = () => new AppError('BO_USER_INACTIVE', 401, 'User is inactive');
export const noActiveAccount = () =>
  new AppError('BO_NO_ACTIVE_ACCOUNT', 401, 'No active account found with the given credentials');
/** The refresh view's InvalidToken: "No refresh token provided", "Token is invalid or expired", "Token is blacklisted". */
export const refreshRejected = (message: string) => new AppError('BO_REFRESH_REJECTED', 401, message);
export const csrfFailed = (reason: string) => new AppError('BO_CSRF', 403, `CSRF Failed: ${reason}`);
export const forbidden = (message = 'You do not have permission to perform this action.') =>
  new AppError('FORBIDDEN', 403, message);
/** Django's get_object_or_404 as DRF 3.15 words it. */
export const notFound = (model: string) => new AppError('NOT_FOUND', 404, `No ${model} matches the given query.`);
export const invalidPage = () => new AppError('BO_INVALID_PAGE', 404, 'Invalid page.');
export const noGroup = () => new AppError('BO_NO_GROUP', 404, 'User is not part of any group');
export const methodNotAllowed = (method: string) =>
  new AppError('BO_METHOD_NOT_ALLOWED', 405, `Method "${method}" not allowed.`);

/** Renders every error under the module in DRF's and SimpleJWT's shapes. */
export function renderBackofficeError(err: AppError, req: FastifyRequest): ErrorReply {
  switch (err.code) {
    case 'BO_INVALID':
      return { status: 400, body: err.details };
    case 'BO_NO_GROUP':
      return { status: 404, body: { error: err.message } };
    case 'BAD_REQUEST':
      // DRF's ParseError for a body it cannot read.
      return {
        status: 400,
        body: {
          detail: err.message.startsWith('Malformed multipart')
            ? `Multipart form parse error - ${err.message}`
            : `JSON parse error - ${err.message}`,
        },
      };
    case 'PAYLOAD_TOO_LARGE':
      return { status: 413, body: { detail: 'Request body is too large.' } };
    default:
      break;
  }
  const shared = renderDrfShared(err, req, {
    tokenNotValid: 'BO_TOKEN_NOT_VALID',
    userInactive: 'BO_USER_INACTIVE',
    refreshRejected: 'BO_REFRESH_REJECTED',
  });
  if (shared) return shared;
  if (err.status === 404 && !err.code.startsWith('BO_') && err.code !== 'NOT_FOUND')
    return { status: 404, body: { detail: 'Not found.' } };
  return { status: err.status, body: { detail: err.message } };
}
