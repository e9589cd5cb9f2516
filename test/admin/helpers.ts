import type { Agora } from '../../src/app.js';
import { unique } from '../helpers/app.js';

export const PASSWORD = 'correct horse battery staple';

/** An account for the panel: a superuser, or a user holding a role with the given permissions. */
export async function panelUser(agora: Agora, opts: { superuser?: boolean; permissions?: string[] } = {}) {
  const { service } = agora.identity;
  const username = unique('staff');
  const user = await service.register({ username, password: PASSWORD, email: `${username}@example.test` });
  if (opts.superuser) await service.ensureSuperuser({ username, password: PASSWORD });
  if (opts.permissions) {
    const role = await service.createRole({ name: unique('role'), permissions: opts.permissions });
    await service.assignRole(role.id, [user.id]);
  }
  return { id: user.id, username, password: PASSWORD };
}

type Reply = Awaited<ReturnType<Agora['app']['inject']>>;

/** A browser over app.inject: keeps cookies, reads each page's form token, follows nothing by itself. */
export class PanelClient {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(
    private readonly agora: Agora,
    readonly ip = '10.9.8.7',
  ) {}

  private remember(res: Reply) {
    const set = res.headers['set-cookie'];
    for (const line of set === undefined ? [] : Array.isArray(set) ? set : [set]) {
      const [pair] = line.split(';');
      const [name, ...rest] = pair!.split('=');
      const value = decodeURIComponent(rest.join('='));
      if (/max-age=0/i.test(line) || !value) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value);
    }
    const token = /name="_csrf" value="([^"]*)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    return res;
  }

  private get cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
  }

  async get(url: string) {
    return this.remember(
      await this.agora.app.inject({
        method: 'GET',
        url,
        headers: { cookie: this.cookieHeader },
        remoteAddress: this.ip,
      }),
    );
  }

  /** Posts a form; the page's CSRF token is added unless `csrf: false` (or another token is given). */
  async post(url: string, form: Record<string, string | string[]> = {}, opts: { csrf?: boolean | string } = {}) {
    const body = new URLSearchParams();
    if (opts.csrf !== false) body.set('_csrf', typeof opts.csrf === 'string' ? opts.csrf : this.csrf);
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return this.remember(
      await this.agora.app.inject({
        method: 'POST',
        url,
        payload: body.toString(),
        headers: { cookie: this.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
        remoteAddress: this.ip,
      }),
    );
  }

  async signIn(username: string, password: string) {
    await this.get('/admin/login');
    return this.post('/admin/login', { username, password, next: '/admin/' });
  }
}
