import { Liquid, type Template } from 'liquidjs';
import { LRUCache } from 'lru-cache';
import { badRequest } from '../../platform/errors.js';

/**
 * Liquid (close to the seed's Jinja2: `{{ username }}`, `{% if %}`). HTML bodies escape every output unless a
 * template asks for `| raw`; subjects are plain text. Rendering is strict about syntax but lenient about
 * missing variables (they render empty), as Jinja2 is.
 */
const html = new Liquid({ outputEscape: 'escape', cache: false, jsTruthy: true });
const plain = new Liquid({ cache: false, jsTruthy: true });
const parsed = new LRUCache<string, Template[]>({ max: 500 });

/** Parses a template source; a syntax error is a 400 carrying the parser's message. */
export function checkTemplate(field: 'subject' | 'body', source: string): void {
  try {
    html.parse(source);
  } catch (err) {
    throw badRequest(`${field}: ${(err as Error).message}`);
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
  const subject = (await plain.render(compiled(plain, 's', src.subject), vars)) as string;
  const body = (await html.render(compiled(html, 'h', src.body), vars)) as string;
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

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", nbsp: ' ' };

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
    .replace(/&(amp|lt|gt|quot|#39|#x27|nbsp);/g, (_m, e: string) => ENTITIES[e]!)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
