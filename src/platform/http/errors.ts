import type { FastifyError } from 'fastify';
import { AppError, type FieldIssue } from '../errors.js';

interface AjvIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** Turns Ajv validation output into field issues with a location like ["body", "password"]. */
export function validationIssues(
  err: FastifyError & { validation?: AjvIssue[]; validationContext?: string },
): FieldIssue[] {
  const where = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    const path = v.instancePath
      .split('/')
      .filter(Boolean)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    if (v.keyword === 'required' && typeof v.params.missingProperty === 'string') {
      return { loc: [where, ...path, v.params.missingProperty], msg: 'field required', type: 'missing' };
    }
    if (v.keyword === 'additionalProperties' && typeof v.params.additionalProperty === 'string') {
      return { loc: [where, ...path, v.params.additionalProperty], msg: 'extra field not permitted', type: 'extra' };
    }
    return { loc: [where, ...path], msg: v.message ?? 'invalid value', type: v.keyword };
  });
}

export const EMPTY_JSON_BODY = 'Body cannot be empty when content-type is set to application/json';
export const MALFORMED_JSON = 'Malformed JSON body';

/** Normalises anything thrown in a request into an AppError; unknown errors become a generic 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as FastifyError & { validation?: AjvIssue[] };
  if (e && Array.isArray(e.validation)) {
    const issues = validationIssues(e);
    const first = issues[0];
    const message = first ? `${first.loc.slice(1).join('.') || first.loc[0]}: ${first.msg}` : 'Invalid request';
    return new AppError('VALIDATION_FAILED', 400, message, issues);
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 413, 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported content type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('BAD_REQUEST', 400, EMPTY_JSON_BODY);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('BAD_REQUEST', 400, MALFORMED_JSON);
    default:
      break;
  }
  if (e?.statusCode === undefined && isMalformedMultipart(e)) {
    return new AppError('BAD_REQUEST', 400, 'Malformed multipart body');
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const message = e instanceof SyntaxError ? MALFORMED_JSON : (e?.message ?? 'Bad request');
    return new AppError(`HTTP_${status}`, status, message);
  }
  return new AppError('INTERNAL', 500, 'Internal server error');
}

/** busboy (under @fastify/multipart) reports a broken body with plain Errors that carry no status. */
const MULTIPART_FAULTS = [
  'Unexpected end of multipart data',
  'terminated early due to unexpected end of multipart data',
  'Multipart: Boundary not found',
  'Boundary required',
  'Malformed part header',
];
function isMalformedMultipart(e: { message?: unknown } | undefined): boolean {
  const message = typeof e?.message === 'string' ? e.message : '';
  return MULTIPART_FAULTS.some((fault) => message.includes(fault));
}
