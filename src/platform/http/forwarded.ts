import type { FastifyRequest } from 'fastify';

/** Path segments only: no scheme, no host, no `//` that a browser would read as another origin. */
const PREFIX = /^(?:\/[\w.~%!$&'()*+,;=:@-]+)+$/;

/**
 * The path prefix a trusted reverse proxy publishes this server under (`X-Forwarded-Prefix: /blog` when the
 * proxy maps `/blog/...` to `/...`), without a trailing slash; '' when there is none, when it is not a plain
 * path, or when proxies are not trusted (TRUST_PROXY=false: anyone could send the header).
 */
export function forwardedPrefix(req: FastifyRequest, trustProxy: boolean): string {
  if (!trustProxy) return '';
  const raw = req.headers['x-forwarded-prefix'];
  // Several proxies in a row: the first (outermost) value is the one the client sees.
  const value = (Array.isArray(raw) ? raw[0] : raw)?.split(',')[0]?.trim().replace(/\/+$/, '') ?? '';
  return value.length <= 200 && PREFIX.test(value) ? value : '';
}
