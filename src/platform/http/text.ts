import { isUtf8 } from 'node:buffer';
import sjson from 'secure-json-parse';
import { AppError } from '../errors.js';
import { MALFORMED_JSON } from './errors.js';

/**
 * Text rules at the platform's edge, for every module: PostgreSQL text cannot hold U+0000, so a NUL character in
 * any string input (JSON or form body, query, path) is a 400 in the module's envelope before it reaches a
 * service; a body that is not valid UTF-8 is a 400 rather than silently repaired.
 */
export const nulRefused = () =>
  new AppError('BAD_REQUEST', 400, 'Text may not contain the NUL character (U+0000)', [
    { loc: ['body'], msg: 'NUL character (U+0000) is not allowed', type: 'value_error.nul' },
  ]);
export const notUtf8 = () => new AppError('BAD_REQUEST', 400, 'Request body is not valid UTF-8');

const refuseNul = (key: string, value: unknown) => {
  if (key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000'))) throw nulRefused();
  return value;
};

/**
 * JSON body → value, with Fastify's prototype-poisoning protection. JSON text can carry NUL only as the escape
 * `\u0000`, so the reviver (which slows parsing) runs only when that sequence appears.
 */
export function parseJsonBody(raw: Buffer, opts: { nul: boolean }): unknown {
  if (!isUtf8(raw)) throw notUtf8();
  const text = raw.toString('utf8');
  try {
    return sjson.parse(text, opts.nul && text.includes('\\u0000') ? refuseNul : undefined, {
      protoAction: 'error',
      constructorAction: 'error',
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('BAD_REQUEST', 400, MALFORMED_JSON);
  }
}

/** Form body → fields (a repeated name gives a list); URLSearchParams never throws on a bad escape. */
export function parseFormBody(raw: Buffer, opts: { nul: boolean }): Record<string, string | string[]> {
  if (!isUtf8(raw)) throw notUtf8();
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
    if (opts.nul) refuseNul(k, v);
    const prior = out[k];
    out[k] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
  }
  return out;
}

/** Whether a query or params object (flat, values strings or lists of strings) holds a NUL anywhere. */
export function holdsNul(fields: unknown): boolean {
  if (!fields || typeof fields !== 'object') return false;
  for (const [k, v] of Object.entries(fields)) {
    if (k.includes('\u0000')) return true;
    if (typeof v === 'string' ? v.includes('\u0000') : Array.isArray(v) && v.some((x) => String(x).includes('\u0000')))
      return true;
  }
  return false;
}
