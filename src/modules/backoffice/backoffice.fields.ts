/**
 * DRF serializer fields as plain functions: each returns the cleaned value or DRF's messages, so a client written
 * against the Django original reads the same `{field: [messages]}` bodies. `form` is true for form and multipart
 * bodies (DRF reads those through a QueryDict: list fields take every value of their key, "" may mean null).
 */
import { invalid, type FieldErrors } from './backoffice.errors.js';
import { pyType } from '../../platform/http/drf.js';

export type FieldResult<T> = { ok: true; value: T } | { ok: false; errors: string[] | FieldErrors };
export interface FieldCtx {
  form: boolean;
  partial: boolean;
}
export type Field<T = unknown> = (v: unknown, ctx: FieldCtx) => FieldResult<T> | Promise<FieldResult<T>>;

export const ok = <T>(value: T): FieldResult<T> => ({ ok: true, value });
export const fail = (...errors: string[]): FieldResult<never> => ({ ok: false, errors });

export const REQUIRED = 'This field is required.';
const NULL = 'This field may not be null.';
const BLANK = 'This field may not be blank.';

/** serializers.CharField (trim_whitespace=True); `nullable` is a model field with null=True. */
export const char =
  (
    opts: { max?: number; blank?: boolean; nullable?: boolean; extra?: (s: string) => string[] } = {},
  ): Field<string | null> =>
  (v, ctx) => {
    if (v === null || (ctx.form && v === '' && opts.nullable && !opts.blank))
      return opts.nullable ? ok(null) : fail(NULL);
    if (typeof v !== 'string' && (typeof v !== 'number' || !Number.isFinite(v))) return fail('Not a valid string.');
    const s = String(v).trim();
    if (s === '') return opts.blank ? ok('') : fail(BLANK);
    const errors: string[] = [];
    if (opts.max !== undefined && [...s].length > opts.max)
      errors.push(`Ensure this field has no more than ${opts.max} characters.`);
    if (s.includes('\u0000')) errors.push('Null characters are not allowed.');
    const surrogate = /\p{Surrogate}/u.exec(s);
    if (surrogate)
      errors.push(`Surrogate characters are not allowed: U+${surrogate[0].charCodeAt(0).toString(16).toUpperCase()}.`);
    errors.push(...(opts.extra?.(s) ?? []));
    return errors.length ? fail(...errors) : ok(s);
  };

/** serializers.IntegerField with Django's bounds (PositiveSmallIntegerField: 0…32767, IntegerField: ±2^31). */
export const int =
  (opts: { min?: number; max?: number; nullable?: boolean } = {}): Field<number | null> =>
  (v, ctx) => {
    if (v === null || (ctx.form && v === '' && opts.nullable)) return opts.nullable ? ok(null) : fail(NULL);
    const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined;
    if (s === undefined || s.length > 1000) return fail('A valid integer is required.');
    const m = /^[+-]?\d+(?:\.0*)?$/.exec(s);
    if (!m) return fail('A valid integer is required.');
    const n = Number(s);
    const min = opts.min ?? -2147483648;
    const max = opts.max ?? 2147483647;
    if (n > max) return fail(`Ensure this value is less than or equal to ${max}.`);
    if (n < min) return fail(`Ensure this value is greater than or equal to ${min}.`);
    return ok(Math.trunc(n));
  };

export const SMALL_POSITIVE = { min: 0, max: 32767 };

/** serializers.DateField with ISO 8601 input; the value is "YYYY-MM-DD". */
export const date =
  (opts: { nullable?: boolean } = {}): Field<string | null> =>
  (v, ctx) => {
    if (v === null || (ctx.form && v === '' && opts.nullable)) return opts.nullable ? ok(null) : fail(NULL);
    const wrong = 'Date has wrong format. Use one of these formats instead: YYYY-MM-DD.';
    if (typeof v !== 'string') return fail(wrong);
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v.trim());
    if (!m) return fail(wrong);
    const d = new Date(`${m[0]}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== m[0] || m[1] === '0000') return fail(wrong);
    return ok(m[0]);
  };

/** serializers.ChoiceField over a model's choices (values as stored). */
export const choice =
  <C extends string>(choices: readonly C[]): Field<C> =>
  (v) => {
    if (v === null) return fail(NULL);
    if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return ok(v as C);
    if (typeof v === 'string' && v === '') return fail(`"" is not a valid choice.`);
    return fail(`"${typeof v === 'object' ? JSON.stringify(v) : String(v)}" is not a valid choice.`);
  };

const EMAIL_RE =
  /^[^\s@"]+@(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?\.)+[a-z\u00a1-\uffff-]{2,63}$/iu;
export const emailErrors = (s: string) => (EMAIL_RE.test(s) ? [] : ['Enter a valid email address.']);

const URL_RE =
  /^(?:https?|ftps?):\/\/(?:[^\s:@/]+(?::[^\s:@/]*)?@)?(?:localhost|\[[0-9a-f:.]+\]|(?:\d{1,3}\.){3}\d{1,3}|(?:[a-z\u00a1-\uffff0-9](?:[a-z\u00a1-\uffff0-9-]{0,61}[a-z\u00a1-\uffff0-9])?\.)+[a-z\u00a1-\uffff-]{2,63}\.?)(?::\d{1,5})?(?:[/?#]\S*)?$/iu;
export const urlErrors = (s: string) => (URL_RE.test(s) ? [] : ['Enter a valid URL.']);

/** The phone numbers of the original's clients: digits with an optional leading +, spaces, dashes, brackets. */
export const phoneErrors = (s: string) =>
  /^\+?[\d\s()-]{5,20}$/.test(s) && /\d{5}/.test(s.replace(/\D/g, '')) ? [] : ['Enter a valid phone number.'];

/** A primary key as DRF's PrimaryKeyRelatedField reads it (integer pks; ids of users are UUIDs). */
export function pkValue(v: unknown, kind: 'int' | 'uuid'): FieldResult<string | number> {
  if (typeof v === 'boolean' || (typeof v !== 'string' && typeof v !== 'number'))
    return fail(`Incorrect type. Expected pk value, received ${pyType(v)}.`);
  const s = String(v).trim();
  if (kind === 'int') {
    if (!/^\d{1,18}$/.test(s) || !Number.isSafeInteger(Number(s)))
      return typeof v === 'number' || /^-?\d+$/.test(s)
        ? fail(`Invalid pk "${s}" - object does not exist.`)
        : fail(`Incorrect type. Expected pk value, received ${pyType(v)}.`);
    return ok(Number(s));
  }
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s))
    return fail(`“${s}” is not a valid UUID.`);
  return ok(s.toLowerCase());
}

/** PrimaryKeyRelatedField: `known` says which of the ids exist (and may be used by the caller). */
export const pk =
  <K extends string | number>(
    kind: 'int' | 'uuid',
    known: (ids: K[]) => Promise<K[]>,
    opts: { nullable?: boolean } = {},
  ): Field<K | null> =>
  async (v, ctx) => {
    if (v === null || (ctx.form && v === '' && opts.nullable)) return opts.nullable ? ok(null) : fail(NULL);
    const r = pkValue(v, kind);
    if (!r.ok) return r;
    const id = r.value as K;
    return (await known([id])).includes(id) ? ok(id) : fail(`Invalid pk "${String(id)}" - object does not exist.`);
  };

/** ManyRelatedField over PrimaryKeyRelatedField (required=False, allow_empty=True). */
export const pkList =
  <K extends string | number>(kind: 'int' | 'uuid', known: (ids: K[]) => Promise<K[]>): Field<K[]> =>
  async (v, ctx) => {
    const items = ctx.form && !Array.isArray(v) ? (v === '' ? [] : [v]) : v;
    if (items === null) return fail(NULL);
    if (!Array.isArray(items)) return fail(`Expected a list of items but got type "${pyType(items)}".`);
    if (items.length > 1000) return fail('Ensure this field has no more than 1000 elements.');
    const ids: K[] = [];
    for (const item of items) {
      const r = pkValue(item, kind);
      if (!r.ok) return r;
      ids.push(r.value as K);
    }
    const unique = [...new Set(ids)];
    const found = new Set(unique.length ? await known(unique) : []);
    const missing = unique.find((id) => !found.has(id));
    return missing === undefined ? ok(unique) : fail(`Invalid pk "${String(missing)}" - object does not exist.`);
  };

export interface FieldSpec {
  field: Field;
  required?: boolean;
}
export type Spec = Record<string, FieldSpec>;

/** Runs a serializer's fields over a body, in the serializer's order; throws DRF's 400 with every field's errors. */
export async function validate(
  body: unknown,
  spec: Spec,
  ctx: FieldCtx,
  check?: (data: Record<string, unknown>) => Promise<FieldErrors | undefined> | FieldErrors | undefined,
): Promise<Record<string, unknown>> {
  const result = await runFields(body, spec, ctx);
  if (!result.ok) throw invalid(result.errors as FieldErrors);
  const extra = await check?.(result.value);
  if (extra && Object.keys(extra).length) throw invalid(extra);
  return result.value;
}

/** The fields of a (possibly nested) serializer, without throwing: a nested serializer's errors nest. */
export async function runFields(
  body: unknown,
  spec: Spec,
  ctx: FieldCtx,
): Promise<FieldResult<Record<string, unknown>>> {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body)))
    return {
      ok: false,
      errors: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pyType(body)}.`] },
    };
  const data = (body ?? {}) as Record<string, unknown>;
  const errors: FieldErrors = {};
  const out: Record<string, unknown> = {};
  for (const [key, { field, required }] of Object.entries(spec)) {
    if (data[key] === undefined) {
      if (required && !ctx.partial) errors[key] = [REQUIRED];
      continue;
    }
    const r = await field(data[key], ctx);
    if (r.ok) out[key] = r.value;
    else errors[key] = r.errors;
  }
  return Object.keys(errors).length ? { ok: false, errors } : ok(out);
}
