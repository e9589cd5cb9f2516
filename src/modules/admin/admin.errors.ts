import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../../platform/errors.js';
import type { ErrorReply } from '../../platform/http/module.js';
import { renderPage } from './admin.render.js';

const HEADINGS: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign in required',
  403: 'Access denied',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Too large',
  429: 'Too many requests',
};

/** The panel's error envelope is a page: the status, a heading and the message (5xx say nothing more). */
export const adminErrorRenderer =
  (base: string) =>
  (err: AppError, _req: FastifyRequest, _reply: FastifyReply): ErrorReply => {
    const status = err.status >= 400 && err.status < 600 ? err.status : 500;
    const message = status >= 500 ? 'Something went wrong on our side. Please try again.' : err.message;
    const heading = HEADINGS[status] ?? (status >= 500 ? 'Server error' : 'Error');
    return {
      status,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: renderPage('error', { base, title: heading, heading, message }),
    };
  };
