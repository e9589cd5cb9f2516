import { AppError, type FieldIssue } from '../../platform/errors.js';
import type { AdminField, AdminResource } from '../../platform/admin/resource.js';

export type FormBody = Record<string, string | string[] | undefined>;
export type FieldErrors = Record<string, string>;

/** A posted value as text (a JSON body may hold anything; forms hold strings or lists of them). */
const one = (v: unknown): string => {
  const first: unknown = Array.isArray(v) ? v[0] : v;
  return first === undefined || first === null ? '' : typeof first === 'object' ? JSON.stringify(first) : String(first);
};
export const labelOf = (f: AdminField) => {
  const words = f.name
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return f.label ?? words.charAt(0).toUpperCase() + words.slice(1);
};

/** The fields a form edits: not read-only, not hidden, create-only ones when creating. */
export const editable = (res: AdminResource, creating: boolean) =>
  res.fields.filter((f) => !f.readOnly && !f.hidden && (creating || !f.createOnly));

/** Reads the posted form into typed values by each field's type; the errors say what is wrong beside each field. */
export function parseForm(
  fields: AdminField[],
  body: FormBody,
): { values: Record<string, unknown>; errors: FieldErrors } {
  const values: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const f of fields) {
    const raw = one(body[f.name]);
    const text = f.type === 'password' || f.type === 'textarea' ? raw : raw.trim();
    if (f.type === 'boolean') {
      values[f.name] = raw === 'on' || raw === 'true';
      continue;
    }
    if (!text) {
      if (f.required) errors[f.name] = 'This field is required.';
      else values[f.name] = f.type === 'list' ? [] : f.type === 'number' || f.type === 'datetime' ? null : '';
      continue;
    }
    if (f.maxLength && text.length > f.maxLength)
      errors[f.name] = `Ensure this value has at most ${f.maxLength} characters (it has ${text.length}).`;
    else {
      const parsed = parseValue(f, text);
      if (parsed instanceof Error) errors[f.name] = parsed.message;
      else values[f.name] = parsed;
    }
  }
  return { values, errors };
}

function parseValue(f: AdminField, text: string): unknown {
  switch (f.type) {
    case 'number': {
      const n = Number(text);
      if (!/^-?\d+(\.\d+)?$/.test(text) || !Number.isFinite(n)) return new Error('Enter a number.');
      if (f.min !== undefined && n < f.min) return new Error(`Ensure this value is at least ${f.min}.`);
      if (f.max !== undefined && n > f.max) return new Error(`Ensure this value is at most ${f.max}.`);
      return n;
    }
    case 'datetime': {
      const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
      return Number.isNaN(d.getTime()) ? new Error('Enter a valid date and time.') : d;
    }
    case 'select':
      return f.options?.some((o) => o.value === text) ? text : new Error('Select a valid choice.');
    case 'email':
      return /^[^\s@]+@[^\s@]+$/.test(text) ? text : new Error('Enter a valid email address.');
    case 'list':
      return text
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean);
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return new Error('Enter valid JSON.');
      }
    default:
      return text;
  }
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The field errors an AppError carries, whatever the module's shape: the panel's own `{fields}`, FieldIssue
 * lists (`loc` ends with the field), or DRF's `{field: [messages]}`. Names are matched to the form's fields.
 */
export function fieldErrorsOf(err: AppError, fields: AdminField[]): FieldErrors | undefined {
  const names = new Map(fields.map((f) => [f.name, f.name]));
  for (const f of fields)
    names.set(
      f.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      f.name,
    );
  const found: FieldErrors = {};
  const put = (key: unknown, msg: unknown) => {
    const name = names.get(String(key)) ?? names.get(camel(String(key)));
    if (name && msg) found[name] = Array.isArray(msg) ? msg.map(String).join(' ') : String(msg);
  };
  const d = err.details as unknown;
  if (Array.isArray(d)) for (const issue of d as FieldIssue[]) put(issue.loc?.at(-1), issue.msg);
  else if (d && typeof d === 'object') {
    const map = 'fields' in d ? (d as { fields: Record<string, unknown> }).fields : (d as Record<string, unknown>);
    for (const [k, v] of Object.entries(map)) put(k, v);
  }
  return Object.keys(found).length ? found : undefined;
}

/** What a field shows in a form input (dates as UTC datetime-local, lists one per line). */
export function inputValue(f: AdminField, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 16);
  if (Array.isArray(v)) return v.join('\n');
  if (f.type === 'json' || typeof v === 'object') return JSON.stringify(v, null, 2);
  return String(v);
}

/** What a value shows in a list cell or a read-only field. */
export function display(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (v instanceof Date) return `${v.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map(display).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
