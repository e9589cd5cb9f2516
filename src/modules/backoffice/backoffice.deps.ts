import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { IdentityApi } from '../identity/index.js';
import type { FileStore } from './backoffice.files.js';
import type { Scopes } from './backoffice.scopes.js';

/** What every back-office service works with. */
export interface Deps {
  db: Db;
  identity: IdentityApi;
  files: FileStore;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Who owns or works for which partner (cached; writes that change it forget it). */
  scopes: Scopes;
}

export const tx = (t: unknown) => t as Db;

export const PARTNER_STATUSES = ['active', 'inactive'] as const;
export const EMPLOYEE_STATUSES = ['active', 'inactive', 'left', 'fired'] as const;
export const COURSE_STATUSES = ['active', 'hidden', 'archived'] as const;
export const GENDERS = ['man', 'woman', 'undefined'] as const;

/** Django's get_status_display(), which the original's serializers put in place of the stored value. */
export const statusLabel = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Postgres unique violations, by constraint name, through the driver's wrapping. */
export function uniqueViolation(err: unknown): string | undefined {
  for (let e = err as { code?: string; constraint?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return e.constraint ?? 'unique';
  }
  return undefined;
}

/** Keeps only the keys the caller may set (DRF drops read-only fields from the input). */
export function withoutKeys(data: unknown, keys: string[]): unknown {
  if (!keys.length || !data || typeof data !== 'object' || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([k]) => !keys.includes(k)));
}
