import { expect } from 'vitest';
import type { Agora } from '../../../src/app.js';

/** A cookie jar good enough for one host: name → value, every cookie sent on every request. */
export class Jar {
  readonly cookies = new Map<string, string>();
  store(setCookies: string[] | string | undefined) {
    for (const line of Array.isArray(setCookies) ? setCookies : setCookies ? [setCookies] : []) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (value && !/max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.set(name, value);
      else this.cookies.delete(name);
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** GET with the jar, not following redirects. */
export async function visit(url: URL | string, jar: Jar, init: RequestInit = {}) {
  const res = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
  });
  jar.store(res.headers.getSetCookie());
  return res;
}

/**
 * The browser between Agora and a provider: follows the provider's redirects (its login and consent answer at
 * once) until it is sent back to `home`, and returns that URL.
 */
export async function throughProvider(start: URL, home: string, jar = new Jar()): Promise<URL> {
  let url = start;
  for (let hop = 0; hop < 12; hop++) {
    if (url.href.startsWith(home)) return url;
    const res = await visit(url, jar);
    const location = res.headers.get('location');
    if (!location) throw new Error(`the provider stopped at ${url.pathname} with ${res.status}: ${await res.text()}`);
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}

/**
 * Starts an external login at Agora (in process) and returns the provider URL with the browser-binding
 * cookie Agora set; `headers` carries a bearer token for the link flow.
 */
export async function startLogin(agora: Agora, provider: string, opts: { link?: string } = {}) {
  const P = '/idp/api/v1';
  const res = opts.link
    ? await agora.app.inject({
        method: 'POST',
        url: `${P}/auth/${provider}/link`,
        headers: { authorization: `Bearer ${opts.link}` },
      })
    : await agora.app.inject({ url: `${P}/auth/${provider}/` });
  expect(res.statusCode, res.body).toBe(opts.link ? 200 : 302);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  expect(cookie).toMatch(/^agora_oauth=[\w-]{43}$/);
  const location = opts.link ? res.json<{ authorization_url: string }>().authorization_url : res.headers.location!;
  return { url: new URL(location), cookie };
}

/** Delivers the provider's redirect back to Agora's callback (in process), with the given cookie. */
export const deliver = (agora: Agora, callback: URL, cookie?: string) =>
  agora.app.inject({ url: callback.pathname + callback.search, headers: cookie ? { cookie } : {} });
