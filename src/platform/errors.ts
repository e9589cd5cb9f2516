/**
 * The one error type of the code base. Services throw it; each module renders it in its contract's envelope.
 * `code` is a stable SCREAMING_SNAKE identifier, `status` the HTTP status, `details` field-level information.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export interface FieldIssue {
  /** Where the problem is, e.g. ["body", "password"]. */
  loc: (string | number)[];
  msg: string;
  type: string;
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;

export const notFound = (message = 'Not found.') => new AppError('NOT_FOUND', 404, message);
export const forbidden = (message = 'You do not have permission to perform this action.') =>
  new AppError('FORBIDDEN', 403, message);
export const conflict = (message: string) => new AppError('CONFLICT', 409, message);
export const badRequest = (message: string, details?: unknown) => new AppError('BAD_REQUEST', 400, message, details);
