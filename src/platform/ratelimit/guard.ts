import type { FastifyReply } from 'fastify';
import { AppError } from '../errors.js';
import type { RateDecision, RateLimiter } from './rate-limiter.js';

export function rateHeaders(d: RateDecision): Record<string, string> {
  return {
    'x-ratelimit-limit': String(d.limit),
    'x-ratelimit-remaining': String(d.remaining),
    'x-ratelimit-reset': String(d.resetSeconds),
  };
}

export const rateLimited = (d: RateDecision, message = 'Too many requests') =>
  new AppError('RATE_LIMITED', 429, message, undefined, { ...rateHeaders(d), 'retry-after': String(d.resetSeconds) });

/** Counts a request against `key`; throws RATE_LIMITED (429 with Retry-After) past the limit. */
export async function enforceLimit(
  limiter: RateLimiter,
  reply: FastifyReply | undefined,
  key: string,
  limit: number,
  windowSeconds: number,
): Promise<void> {
  const d = await limiter.hit(key, limit, windowSeconds);
  if (!d.allowed) throw rateLimited(d);
  reply?.headers(rateHeaders(d));
}
