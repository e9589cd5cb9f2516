import { getTableColumns } from 'drizzle-orm';
import type { AdminField, AdminResource, AdminSection } from '../../platform/admin/resource.js';
import type { ListPage, ListQuery } from '../../platform/admin/list.js';
import { display, editable, inputValue, labelOf, type FieldErrors, type FormBody } from './admin.forms.js';

/** Turns resources, rows and form state into the plain data the templates read. */

export const navOf = (sections: AdminSection[], current?: { module: string; resource: string }) =>
  sections.map((s) => ({
    module: s.module,
    label: s.label,
    resources: s.resources.map((r) => ({
      name: r.name,
      label: r.label,
      current: current?.module === s.module && current.resource === r.name,
    })),
  }));

const cellsOf = (res: AdminResource, row: Record<string, unknown>) =>
  res.columns.map((c) => ({ label: c.label, text: display(c.value ? c.value(row) : row[c.key]) }));

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * A list's rows as HTML, built here rather than in the template: the list is the one page whose size grows with
 * its data, and a loop of escaped string joins costs a fraction of the template engine's per-cell rendering.
 */
function tableBody(rows: { href: string; cells: { label: string; text: string }[] }[], columns: number): string {
  if (!rows.length) return `<tr><td colspan="${columns}">No records found.</td></tr>`;
  return rows
    .map(
      (r) =>
        `<tr>${r.cells
          .map((c, i) => {
            const text = escapeHtml(c.text);
            return `<td data-label="${escapeHtml(c.label)}">${i ? text : `<a href="${escapeHtml(r.href)}">${text}</a>`}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
}

export const idOf = (res: AdminResource, row: Record<string, unknown>) => {
  const columns = Object.entries(getTableColumns(res.source.table));
  const keyOf = (col: unknown) => columns.find(([, c]) => c === col)?.[0];
  if (res.source.key?.length)
    return [res.source.id, ...res.source.key].map((c) => String(row[keyOf(c) ?? ''] ?? '')).join('~');
  return String(row[keyOf(res.source.id) ?? 'id'] ?? row.id);
};

export function listView(res: AdminResource, url: string, query: ListQuery, page: ListPage<Record<string, unknown>>) {
  const params = (extra: Record<string, string | undefined>) => {
    const p = new URLSearchParams();
    if (query.q) p.set('q', query.q);
    for (const [k, v] of Object.entries(query.filters)) if (v) p.set(`f_${k}`, v);
    if (page.order) p.set('order', page.order);
    for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
    const s = p.toString();
    return s ? `${url}?${s}` : url;
  };
  return {
    label: res.label,
    url,
    searchable: Boolean(res.search?.length),
    searchHint: res.searchHint ?? '',
    q: query.q ?? '',
    filters: (res.filters ?? []).map((f) => ({
      name: f.name,
      label: f.label,
      value: query.filters[f.name] ?? '',
      options: f.options ?? (f.column.dataType === 'boolean' ? yesNo : undefined),
    })),
    orderings: (res.ordering ?? []).flatMap((o) => [
      { value: o.key, label: `${o.label}` },
      { value: `-${o.key}`, label: `${o.label} (reversed)` },
    ]),
    order: page.order,
    columns: res.columns.map((c) => c.label),
    body: tableBody(
      page.rows.map((row) => ({ href: `${url}/${encodeURIComponent(idOf(res, row))}`, cells: cellsOf(res, row) })),
      res.columns.length,
    ),
    first: query.after || query.before ? params({}) : undefined,
    next: page.next && params({ after: page.next }),
    prev: page.prev && params({ before: page.prev }),
  };
}

const yesNo = [
  { value: 'true', label: 'yes' },
  { value: 'false', label: 'no' },
];

const INPUT: Record<string, string> = {
  number: 'text',
  email: 'email',
  password: 'password',
  datetime: 'datetime-local',
};

/** A record's form: editable fields as inputs (the posted text when re-shown), the others as read-only text. */
export function formFields(
  res: AdminResource,
  row: Record<string, unknown> | undefined,
  opts: { creating: boolean; canSave: boolean; posted?: FormBody; errors?: FieldErrors },
) {
  const edits = new Set(opts.canSave ? editable(res, opts.creating).map((f) => f.name) : []);
  return res.fields
    .filter((f) => !f.hidden && (opts.creating ? edits.has(f.name) : !f.createOnly || row?.[f.name] !== undefined))
    .map((f: AdminField) => {
      const posted = opts.posted?.[f.name];
      const value =
        posted !== undefined && f.type !== 'password'
          ? String(Array.isArray(posted) ? posted[0] : posted)
          : f.type === 'password'
            ? ''
            : inputValue(f, row?.[f.name]);
      return {
        name: f.name,
        label: labelOf(f),
        type: f.type ?? 'text',
        input: INPUT[f.type ?? 'text'] ?? 'text',
        multiline: ['textarea', 'json', 'list'].includes(f.type ?? ''),
        options: f.options,
        required: f.required,
        help: f.help ?? (f.type === 'datetime' ? 'UTC' : f.type === 'list' ? 'One per line' : undefined),
        readOnly: !edits.has(f.name),
        display: f.type === 'json' ? inputValue(f, row?.[f.name]) : display(row?.[f.name]),
        value,
        checked: opts.posted ? posted === 'on' : Boolean(row?.[f.name]),
        error: opts.errors?.[f.name],
      };
    });
}

export async function inlinesOf(res: AdminResource, id: string, base: string, module: string) {
  return Promise.all(
    (res.inlines ?? []).map(async (i) => ({
      label: i.label,
      columns: i.columns,
      rows: (await i.load(id)).map((row) => ({
        href: i.link && `${base}/${module}/${i.link.resource}/${encodeURIComponent(String(row[i.link.key]))}`,
        cells: i.columns.map((c) => ({ label: c.label, text: display(row[c.key]) })),
      })),
    })),
  );
}
