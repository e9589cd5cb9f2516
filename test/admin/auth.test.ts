import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { bearer, registerAndLogin } from '../helpers/identity.js';
import { PanelClient, panelUser } from './helpers.js';

describe('admin panel: sign-in, session cookie, CSRF, logout', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora?.app.close());

  it('sends an anonymous visitor to the sign-in page, and back where they were after signing in', async () => {
    const admin = await panelUser(agora, { superuser: true });
    const browser = new PanelClient(agora);
    const list = await browser.get('/admin/identity/users?q=x');
    expect(list.statusCode).toBe(303);
    expect(list.headers.location).toBe(`/admin/login?next=${encodeURIComponent('/admin/identity/users?q=x')}`);
    const form = await browser.get(list.headers.location as string);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('<label for="username">');
    const res = await browser.post('/admin/login', {
      username: admin.username,
      password: admin.password,
      next: '/admin/identity/users?q=x',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/identity/users?q=x');
    const cookie = ([] as string[])
      .concat(res.headers['set-cookie'] as string[])
      .find((c) => c.startsWith('agora_admin='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/admin/);
    expect(cookie).not.toMatch(/Secure/);
    const page = await browser.get('/admin/identity/users?q=x');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('sends a signed-in visitor only to a page of the panel: no dot segments out, no header injection', async () => {
    const admin = await panelUser(agora, { superuser: true });
    const cases: [string, string][] = [
      ['/admin/../idp/oidc/session/end?x=1', '/admin/'],
      ['/admin/..//evil.example', '/admin/'],
      ['/admin/%2e%2e/idp/', '/admin/'],
      ['/admin/\r\nX: 1', '/admin/'],
      ['/admin/\u2028x', '/admin/'],
      ['//evil.example/admin/', '/admin/'],
      ['https://evil.example/admin/', '/admin/'],
      ['/admin/./identity/users?q=a b', '/admin/identity/users?q=a%20b'],
    ];
    for (const [next, expected] of cases) {
      const browser = new PanelClient(agora, '10.3.3.3');
      await browser.get('/admin/login');
      const res = await browser.post('/admin/login', { username: admin.username, password: admin.password, next });
      expect(res.statusCode, JSON.stringify(next)).toBe(303);
      expect(res.headers.location, JSON.stringify(next)).toBe(expected);
      // Signed in already: the sign-in page sends on the same way.
      const again = await browser.get(`/admin/login?next=${encodeURIComponent(next)}`);
      expect([200, 303], JSON.stringify(next)).toContain(again.statusCode);
      if (again.statusCode === 303) expect(again.headers.location).toBe(expected);
    }
  });

  it('never sends the browser to another site after signing in', async () => {
    const admin = await panelUser(agora, { superuser: true });
    const browser = new PanelClient(agora);
    await browser.get('/admin/login');
    const res = await browser.post('/admin/login', { ...admin, next: '//evil.example/admin/' });
    expect(res.headers.location).toBe('/admin/');
  });

  it('refuses a wrong password with the form again (401), and a login post without its CSRF token (403)', async () => {
    const admin = await panelUser(agora, { superuser: true });
    const browser = new PanelClient(agora);
    await browser.get('/admin/login');
    const wrong = await browser.post('/admin/login', { username: admin.username, password: 'nope' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('correct username and password');
    expect(wrong.body).toContain(`value="${admin.username}"`);
    const noToken = await browser.post('/admin/login', { ...admin }, { csrf: false });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.body).toContain('The form has expired');
    expect(browser.cookies.has('agora_admin')).toBe(false);
  });

  it('rate-limits sign-in through identity’s login guard (429 on the panel once the limit is spent)', async () => {
    const limited = await testApp({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3' });
    try {
      const admin = await panelUser(limited, { superuser: true });
      const browser = new PanelClient(limited, '10.1.1.1');
      await browser.get('/admin/login');
      for (let i = 0; i < 3; i++) {
        expect((await browser.post('/admin/login', { username: admin.username, password: 'bad' })).statusCode).toBe(
          401,
        );
      }
      const blocked = await browser.post('/admin/login', { ...admin });
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();
      // The same guard covers identity's API: the account is locked for this address there too.
      const api = await limited.app.inject({
        method: 'POST',
        url: '/idp/api/v1/users/token',
        payload: { login: admin.username, password: admin.password },
        remoteAddress: '10.1.1.1',
      });
      expect(api.statusCode).toBe(429);
    } finally {
      await limited.app.close();
    }
  });

  it('does not open a panel session for an account without an admin permission', async () => {
    const plain = await panelUser(agora);
    const browser = new PanelClient(agora);
    await browser.get('/admin/login');
    const res = await browser.post('/admin/login', { username: plain.username, password: plain.password });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('cannot use the admin panel');
    expect(browser.cookies.has('agora_admin')).toBe(false);
  });

  it('refuses every form post of a signed-in admin without the session’s CSRF token', async () => {
    const admin = await panelUser(agora, { superuser: true });
    const target = await panelUser(agora);
    const browser = new PanelClient(agora);
    await browser.signIn(admin.username, admin.password);
    const url = `/admin/identity/users/${target.id}`;
    await browser.get(url);
    const form = { username: `${target.username}x`, email: '', firstName: '', lastName: '', roles: '' };
    expect((await browser.post(url, form, { csrf: false })).statusCode).toBe(403);
    expect((await browser.post(url, form, { csrf: 'forged' })).statusCode).toBe(403);
    expect((await browser.post(`${url}/actions/deactivate`, { confirmed: 'yes' }, { csrf: false })).statusCode).toBe(
      403,
    );
    expect((await browser.post('/admin/logout', {}, { csrf: false })).statusCode).toBe(403);
    expect((await agora.identity.service.getUser(target.id))?.username).toBe(target.username);
    expect((await agora.identity.service.getUser(target.id))?.isActive).toBe(true);
    const saved = await browser.post(url, form);
    expect(saved.statusCode).toBe(303);
    expect((await agora.identity.service.getUser(target.id))?.username).toBe(`${target.username}x`);
  });

  it('logs out: the session ends in identity and the cookie no longer opens the panel', async () => {
    const admin = await panelUser(agora, { superuser: true });
    const browser = new PanelClient(agora);
    await browser.signIn(admin.username, admin.password);
    const session = browser.cookies.get('agora_admin')!;
    expect((await browser.get('/admin/')).statusCode).toBe(200);
    const out = await browser.post('/admin/logout');
    expect(out.statusCode).toBe(303);
    expect(browser.cookies.has('agora_admin')).toBe(false);
    browser.cookies.set('agora_admin', session);
    expect((await browser.get('/admin/')).statusCode).toBe(303);
  });

  it('sets Secure on the session cookie in production', async () => {
    const prod = await testApp({ AGORA_ENV: 'production' });
    try {
      const admin = await panelUser(prod, { superuser: true });
      const browser = new PanelClient(prod);
      const res = await browser.signIn(admin.username, admin.password);
      const cookie = ([] as string[])
        .concat(res.headers['set-cookie'] as string[])
        .find((c) => c.startsWith('agora_admin='));
      expect(cookie).toMatch(/; Secure/);
    } finally {
      await prod.app.close();
    }
  });

  it('answers a non-admin 403 on every admin URL, whatever the method', async () => {
    const user = await registerAndLogin(agora);
    const headers = bearer(user.access);
    const urls = [
      ['GET', '/admin/'],
      ['GET', '/admin/identity/users'],
      ['GET', `/admin/identity/users/${user.id}`],
      ['POST', `/admin/identity/users/${user.id}`],
      ['POST', `/admin/identity/users/${user.id}/actions/deactivate`],
      ['GET', '/admin/jobs/jobs'],
      ['GET', '/admin/admin/audit'],
      ['GET', '/admin/wishlist/wishes'],
      ['GET', '/admin/no/such-page'],
    ] as const;
    for (const [method, url] of urls) {
      const res = await agora.app.inject({ method, url, headers, payload: method === 'POST' ? {} : undefined });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.headers['content-type']).toMatch(/text\/html/);
    }
    expect((await agora.identity.service.getUser(user.id))?.isActive).toBe(true);
  });
});
