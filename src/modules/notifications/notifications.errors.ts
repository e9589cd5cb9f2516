import { AppError } from '../../platform/errors.js';
import type { ErrorReply } from '../../platform/http/module.js';

/** The seed's notification service was FastAPI: `{"detail": "..."}`; validation issues ride along as `errors`. */
export function renderNotificationsError(err: AppError): ErrorReply {
  if (err.status >= 500) return { status: err.status, body: { detail: 'Internal Server Error' } };
  const body: Record<string, unknown> = { detail: err.message };
  if (err.code === 'VALIDATION_FAILED' && Array.isArray(err.details)) body.errors = err.details;
  const headers: Record<string, string> = err.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
  return { status: err.status, body, headers };
}

export const templateNotFound = () => new AppError('TEMPLATE_NOT_FOUND', 404, 'Template not found');
export const notificationNotFound = () => new AppError('NOTIFICATION_NOT_FOUND', 404, 'Notification not found');
export const userNotFound = () => new AppError('USER_NOT_FOUND', 404, 'User not found');
export const MANAGE_PERMISSION = 'notifications.manage';
