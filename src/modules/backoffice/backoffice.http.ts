import type { FastifyRequest } from 'fastify';
import { invalidPage } from './backoffice.errors.js';

/** A file part of a multipart body, read into memory (its size is capped by the multipart limits). */
export class Upload {
  constructor(
    readonly filename: string,
    readonly data: Buffer,
  ) {}
}

export interface Body {
  data: unknown;
  /** Form or multipart (DRF's QueryDict): list fields take every value of their key. */
  form: boolean;
}

/** The request body as DRF's parsers see it: JSON, a form, or multipart fields with their files. */
export async function readBody(req: FastifyRequest): Promise<Body> {
  if (req.isMultipart()) {
    const data: Record<string, unknown> = {};
    const add = (key: string, value: unknown) => {
      const prior = data[key];
      data[key] =
        prior === undefined ? value : Array.isArray(prior) ? [...(prior as unknown[]), value] : [prior, value];
    };
    for await (const part of req.parts()) {
      if (part.type === 'file') add(part.fieldname, new Upload(part.filename, await part.toBuffer()));
      else add(part.fieldname, typeof part.value === 'string' ? part.value : String(part.value));
    }
    return { data, form: true };
  }
  const type = String(req.headers['content-type'] ?? '');
  return { data: req.body, form: type.startsWith('application/x-www-form-urlencoded') };
}

/** A query parameter as Django's QueryDict.get reads it: the last value when repeated. */
export function queryParam(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Record<string, unknown> | undefined)?.[name];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === 'string' ? last : undefined;
}

export const PAGE_SIZE = 20;

/** Python's quote_plus: what DRF's replace_query_param writes (only letters, digits and `_.-~` stay as they are). */
const quotePlus = (s: string) =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');

/** DRF's replace_query_param / remove_query_param over the absolute URL of the request. */
export function pageLink(req: FastifyRequest, page: number | undefined): string {
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  const params = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(q === -1 ? '' : req.url.slice(q + 1))) {
    params.set(k, [...(params.get(k) ?? []), v]);
  }
  if (page === undefined) params.delete('page');
  else params.set('page', [String(page)]);
  const query = [...params.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([k, vs]) => vs.map((v) => `${quotePlus(k)}=${quotePlus(v)}`))
    .join('&');
  return `${req.publicOrigin}${path}${query ? `?${query}` : ''}`;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/**
 * DRF's PageNumberPagination: 20 a page, `?page=` (a number or "last"); a page past the end, or not a page,
 * answers 404 "Invalid page." The count runs first, then the page's rows — two statements whatever the page size.
 */
export async function paginate<T>(
  req: FastifyRequest,
  count: () => Promise<number>,
  rows: (limit: number, offset: number) => Promise<T[]>,
): Promise<Page<T>> {
  const total = await count();
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const raw = queryParam(req, 'page');
  const page = raw === undefined ? 1 : raw === 'last' ? pages : /^\d{1,9}$/.test(raw) ? Number(raw) : 0;
  if (page < 1 || page > pages) throw invalidPage();
  const results = total ? await rows(PAGE_SIZE, (page - 1) * PAGE_SIZE) : [];
  return {
    count: total,
    next: page < pages ? pageLink(req, page + 1) : null,
    previous: page > 1 ? pageLink(req, page === 2 ? undefined : page - 1) : null,
    results,
  };
}
