import { Liquid, Tag, type Template, type TagToken, type TopLevelToken } from 'liquidjs';
import { LRUCache } from 'lru-cache';
import { badRequest } from '../../platform/errors.js';

/** A rendered subject or body longer than this is a render failure (a loop gone wild, not a message). */
export const MAX_RENDERED = { subject: 1_000, body: 1_000_000 };

/**
 * `{% include %}`, `{% render %}` and `{% layout %}` read other templates from files: a notification's template
 * must not read the server's (its `.env`, its sources). They are refused when the template is parsed.
 */
class NoFiles extends Tag {
  constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
    super(token, remain, liquid);
    throw new Error(`{% ${token.name} %} is not available: a template cannot read files`);
  }
  render(): void {}
}

/**
 * Liquid (close to the seed's Jinja2: `{{ username }}`, `{% if %}`). HTML bodies escape every output unless a
 * template asks for `| raw`; subjects are plain text. Rendering is strict about syntax and filters (an unknown
 * filter is a parse error, as in Jinja2) but lenient about missing variables (they render empty), as Jinja2 is.
 * Templates are written by managers but rendered by the server, so they are sandboxed: no file system (no
 * partials at all), no inherited properties of values, and bounded work — a render stops once its loops and
 * string filters have allocated 1,000,000 items or characters, or after 200 ms when a send is made (with its
 * context) and 1 s per recipient.
 */
/** A recipient's render may take this long (a pause of the collector included); the trial render, 200 ms. */
const RENDER_MS = 1_000;
const SAFE = {
  cache: false,
  jsTruthy: true,
  strictFilters: true,
  ownPropertyOnly: true,
  templates: {},
  parseLimit: 200_000,
  renderLimit: 200,
  memoryLimit: 1_000_000,
} as const;
function engine(extra: { outputEscape?: 'escape' } = {}): Liquid {
  const liquid = new Liquid({ ...SAFE, ...extra });
  for (const name of ['include', 'render', 'layout']) liquid.registerTag(name, NoFiles);
  return liquid;
}
const html = engine({ outputEscape: 'escape' });
const plain = engine();
const parsed = new LRUCache<string, Template[]>({ max: 500 });

/**
 * Parses a template source; a syntax error, an unknown filter or a file tag is a 400 carrying the parser's
 * message. A trial render (with `vars`, the notification's context) refuses one that exceeds the render limits
 * whatever the recipient.
 */
export function checkTemplate(field: 'subject' | 'body', source: string, vars: Record<string, unknown> = {}): void {
  const engine = field === 'subject' ? plain : html;
  let template: Template[];
  try {
    // Parsed into the cache the sends render from: a send parses its template once.
    template = compiled(engine, field === 'subject' ? 's' : 'h', source);
  } catch (err) {
    throw badRequest(`${field}: ${(err as Error).message}`);
  }
  try {
    const out = engine.renderSync(template, vars) as string;
    if (out.length > MAX_RENDERED[field]) throw new Error(`rendered ${field} limit exceeded`);
  } catch (err) {
    // Other render errors depend on the recipient's data: they fail that delivery, not the template.
    if (/limit exceeded/.test((err as Error).message)) throw badRequest(`${field}: ${(err as Error).message}`);
  }
}

function compiled(engine: Liquid, key: string, source: string): Template[] {
  const k = `${key}\u0000${source}`;
  let t = parsed.get(k);
  if (!t) parsed.set(k, (t = engine.parse(source)));
  return t;
}

export interface Rendered {
  subject: string;
  html: string;
  text: string;
}

/** Renders a notification for one recipient: the subject as text, the body as escaped HTML and as plain text. */
export async function renderMessage(
  src: { subject: string; body: string },
  vars: Record<string, unknown>,
): Promise<Rendered> {
  // Synchronous: the time limit measures this render alone, not whatever else the event loop ran meanwhile.
  const subject = plain.renderSync(compiled(plain, 's', src.subject), vars, { renderLimit: RENDER_MS }) as string;
  const body = html.renderSync(compiled(html, 'h', src.body), vars, { renderLimit: RENDER_MS }) as string;
  for (const [part, out] of [
    ['subject', subject],
    ['body', body],
  ] as const)
    if (out.length > MAX_RENDERED[part]) throw new Error(`rendered ${part} limit exceeded (${out.length} characters)`);
  return { subject: subject.replace(/\s+/g, ' ').trim(), html: body, text: htmlToText(body) };
}

/** A notification rendered for one recipient: its context plus the recipient's account fields. */
export function renderFor(
  n: { subject: string; body: string; context: Record<string, unknown> },
  u: { id: string; username: string; email: string | null; firstName: string; lastName: string },
): Promise<Rendered> {
  return renderMessage(n, {
    ...n.context,
    user_id: u.id,
    username: u.username,
    email: u.email,
    first_name: u.firstName,
    last_name: u.lastName,
  });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
/** An entity's character: the named ones above and every numeric one (`&#34;`, `&#x27;`); others stay as written. */
const entity = (whole: string, name: string): string => {
  const code = /^#x([0-9a-f]+)$/i.exec(name)?.[1] ?? /^#(\d+)$/.exec(name)?.[1];
  if (code !== undefined) {
    const n = name[1] === 'x' || name[1] === 'X' ? parseInt(code, 16) : Number(code);
    return n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : whole;
  }
  return ENTITIES[name] ?? whole;
};

/** The plain-text part of an email: block tags become line breaks, links keep their target, tags go. */
export function htmlToText(source: string): string {
  return source
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_m, href: string, label: string) =>
      label.trim() && label.trim() !== href ? `${label} (${href})` : href,
    )
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr|table|ul|ol)>/gi, '\n')
    .replace(/<li[^>]*>/gi, '- ')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, entity)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
