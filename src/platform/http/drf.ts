import type { FieldIssue } from '../errors.js';

/**
 * What the Django REST Framework modules (wishlist, back office) share of DRF's wording: the Python type name
 * its messages give for a JSON value, and Fastify validation issues as DRF's `{field: [messages]}`.
 */
export const pyType = (v: unknown): string =>
  v === null
    ? 'NoneType'
    : Array.isArray(v)
      ? 'list'
      : typeof v === 'boolean'
        ? 'bool'
        : typeof v === 'number'
          ? Number.isInteger(v)
            ? 'int'
            : 'float'
          : typeof v === 'object'
            ? 'dict'
            : 'str';

/** Fastify's own validation issues (only where a route lets Ajv validate) as DRF field lists. */
export function issuesToFields(issues: FieldIssue[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of issues) {
    const field = String(i.loc[1] ?? 'non_field_errors');
    (out[field] ??= []).push(i.type === 'missing' ? 'This field is required.' : 'Invalid value.');
  }
  return out;
}
