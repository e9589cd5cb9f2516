import { pyType } from '../../platform/http/drf.js';
/**
 * DRF serializer fields, as plain functions: each returns the cleaned value or the list of DRF's messages,
 * so clients written against the Django original read the same `{field: [messages]}` bodies.
 */
export type FieldResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

const ok = <T>(value: T): FieldResult<T> => ({ ok: true, value });
const fail = (...errors: string[]): FieldResult<never> => ({ ok: false, errors });

export const REQUIRED = 'This field is required.';
export const NULL = 'This field may not be null.';
const BLANK = 'This field may not be blank.';
const chars = (s: string) => [...s].length;

/** serializers.CharField (trim_whitespace=True): accepts strings and numbers, refuses booleans and objects. */
export function charField(
  v: unknown,
  opts: { max?: number; allowBlank?: boolean; extra?: (s: string) => string[] } = {},
): FieldResult<string> {
  if (v === null) return fail(NULL);
  if (typeof v === 'boolean' || (typeof v !== 'string' && typeof v !== 'number')) return fail('Not a valid string.');
  const s = String(v).trim();
  if (s === '') return opts.allowBlank ? ok('') : fail(BLANK);
  const errors: string[] = [];
  if (opts.max !== undefined && chars(s) > opts.max)
    errors.push(`Ensure this field has no more than ${opts.max} characters.`);
  // DRF's ProhibitNull/ProhibitSurrogate validators (Postgres would refuse a NUL byte anyway).
  if (s.includes('\u0000')) errors.push('Null characters are not allowed.');
  const surrogate = /\p{Surrogate}/u.exec(s);
  if (surrogate)
    errors.push(`Surrogate characters are not allowed: U+${surrogate[0].charCodeAt(0).toString(16).toUpperCase()}.`);
  errors.push(...(opts.extra?.(s) ?? []));
  return errors.length ? fail(...errors) : ok(s);
}

const UL = '\\u00a1-\\uffff';
const IPV4 = '(?:0|25[0-5]|2[0-4]\\d|1\\d?\\d?|[1-9]\\d?)(?:\\.(?:0|25[0-5]|2[0-4]\\d|1\\d?\\d?|[1-9]\\d?)){3}';
const HOST = `[a-z${UL}0-9](?:[a-z${UL}0-9-]{0,61}[a-z${UL}0-9])?`;
const DOMAIN = `(?:\\.(?!-)[a-z${UL}0-9-]{1,63}(?<!-))*`;
const TLD = `\\.(?!-)(?:[a-z${UL}-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\\.?`;
/** Django's URLValidator regex (schemes http, https, ftp, ftps). */
const URL_RE = new RegExp(
  `^(?:https?|ftps?)://(?:[^\\s:@/]+(?::[^\\s:@/]*)?@)?(?:${IPV4}|\\[[0-9a-f:.]+\\]|${HOST}${DOMAIN}${TLD}|localhost)(?::[0-9]{1,5})?(?:[/?#][^\\s]*)?$`,
  'iu',
);
export const urlErrors = (s: string) => (s.length <= 2048 && URL_RE.test(s) ? [] : ['Enter a valid URL.']);

/** Django's validate_email, reduced to what matters for a client: one @, a dotted domain, no spaces. */
const EMAIL_RE =
  /^[^\s@"]+@(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?\.)+[a-z\u00a1-\uffff-]{2,63}$/iu;
export const emailErrors = (s: string) => (EMAIL_RE.test(s) && s.length <= 254 ? [] : ['Enter a valid email address.']);

const USERNAME_RE = /^[\p{L}\p{N}_.@+-]+$/u;
export const usernameErrors = (s: string) =>
  USERNAME_RE.test(s)
    ? []
    : ['Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'];

const TRUE = new Set(['t', 'T', 'y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON', '1', 1, true]);
const FALSE = new Set([
  'f',
  'F',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '0',
  0,
  false,
]);

/** serializers.BooleanField. */
export function booleanField(v: unknown): FieldResult<boolean> {
  if (v === null) return fail(NULL);
  if (TRUE.has(v as string)) return ok(true);
  if (FALSE.has(v as string)) return ok(false);
  return fail('Must be a valid boolean.');
}

const DECIMAL_RE = /^[+-]?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/**
 * serializers.DecimalField(max_digits, decimal_places, allow_null): precision is checked on the value as
 * written, as Python's Decimal sees it ("1.230" has three decimal places). Returns a string Postgres reads.
 */
export function decimalField(v: unknown, maxDigits = 10, places = 2): FieldResult<string | null> {
  if (v === null) return ok(null);
  if (typeof v === 'boolean' || (typeof v !== 'string' && typeof v !== 'number'))
    return fail('A valid number is required.');
  const s = String(v).trim();
  if (s.length > 1000) return fail('String value too large.');
  const m = DECIMAL_RE.exec(s);
  if (!m) return fail('A valid number is required.');
  const whole = m[1] ?? '';
  const frac = m[2] ?? m[3] ?? '';
  const exp = Number(m[4] ?? 0) - frac.length;
  if (!Number.isSafeInteger(exp)) return fail('A valid number is required.');
  const digits = (whole + frac).replace(/^0+(?=\d)/, '') || '0';
  let total: number, wholeDigits: number, decimals: number;
  if (exp >= 0) [total, wholeDigits, decimals] = [digits.length + exp, digits.length + exp, 0];
  else if (digits.length > -exp) [total, wholeDigits, decimals] = [digits.length, digits.length + exp, -exp];
  else [total, wholeDigits, decimals] = [-exp, 0, -exp];
  if (total > maxDigits) return fail(`Ensure that there are no more than ${maxDigits} digits in total.`);
  if (decimals > places) return fail(`Ensure that there are no more than ${places} decimal places.`);
  if (wholeDigits > maxDigits - places)
    return fail(`Ensure that there are no more than ${maxDigits - places} digits before the decimal point.`);
  return ok(s);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** serializers.PrimaryKeyRelatedField over identity users: `exists` answers whether the id is a user. */
export async function userPkField(
  v: unknown,
  exists: (id: string) => Promise<boolean>,
): Promise<FieldResult<string | null>> {
  if (v === null) return ok(null);
  if (typeof v !== 'string' && typeof v !== 'number')
    return fail(`Incorrect type. Expected pk value, received ${pyType(v)}.`);
  const id = String(v);
  if (UUID_RE.test(id) && (await exists(id.toLowerCase()))) return ok(id.toLowerCase());
  return fail(`Invalid pk "${id}" - object does not exist.`);
}

/** A request body DRF can read: a JSON object (anything else is a non_field_errors 400). */
export function bodyErrors(body: unknown): Record<string, string[]> | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'object' && !Array.isArray(body)) return undefined;
  return { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pyType(body)}.`] };
}
