import { randomBytes, randomUUID } from 'node:crypto';

/** Time, ids and randomness, injectable so that tests can be deterministic. */
export interface Clock {
  now(): Date;
  uuid(): string;
  /** URL-safe random token with `bytes` bytes of entropy. */
  token(bytes?: number): string;
}

export const systemClock: Clock = {
  now: () => new Date(),
  uuid: () => randomUUID(),
  token: (bytes = 32) => randomBytes(bytes).toString('base64url'),
};
