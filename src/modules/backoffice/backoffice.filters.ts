import type { FastifyRequest } from 'fastify';
import { invalid } from './backoffice.errors.js';
import { queryParam } from './backoffice.http.js';

/** A django-filter filter: reads one query parameter; a bad value is that filter's 400 message. */
type Filter<T> = (raw: string) => { ok: true; value: T } | { ok: false; error: string };

export const text: Filter<string> = (raw) => ({ ok: true, value: raw.trim().slice(0, 200) });

export const choiceOf =
  (choices: readonly string[]): Filter<string> =>
  (raw) =>
    choices.includes(raw)
      ? { ok: true, value: raw }
      : { ok: false, error: `Select a valid choice. ${raw} is not one of the available choices.` };

export const integer: Filter<number> = (raw) =>
  /^\s*\d{1,15}\s*$/.test(raw) ? { ok: true, value: Number(raw) } : { ok: false, error: 'Enter a number.' };

export const day: Filter<string> = (raw) => {
  const m = /^\s*(\d{4}-\d{2}-\d{2})\s*$/.exec(raw);
  const d = m && new Date(`${m[1]}T00:00:00Z`);
  return m && d && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(m[1]!)
    ? { ok: true, value: m[1]! }
    : { ok: false, error: 'Enter a valid date.' };
};

export const uuid: Filter<string> = (raw) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw.trim())
    ? { ok: true, value: raw.trim().toLowerCase() }
    : { ok: false, error: 'Enter a valid UUID.' };

type Values<S> = { [K in keyof S]?: S[K] extends Filter<infer T> ? T : never };

/** Reads the filters of a list request; empty parameters are ignored, as django-filter does. */
export function readFilters<S extends Record<string, Filter<unknown>>>(req: FastifyRequest, spec: S): Values<S> {
  const out: Record<string, unknown> = {};
  const errors: Record<string, string[]> = {};
  for (const [name, filter] of Object.entries(spec)) {
    const raw = queryParam(req, name);
    if (raw === undefined || raw.trim() === '') continue;
    const r = filter(raw);
    if (r.ok) out[name] = r.value;
    else errors[name] = [r.error];
  }
  if (Object.keys(errors).length) throw invalid(errors);
  return out as Values<S>;
}
