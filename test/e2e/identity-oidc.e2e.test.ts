import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { registerAndLogin, type TestUser } from '../helpers/identity.js';
import { authorizationRequest, listeningAgora, relyingParty } from '../identity/providers/agora-op.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The relying party's callback page: it only has to exist for the browser to land on it. */
function relyingPartyServer(): Promise<Server> {
  const server = createServer((_req, res) =>
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>RP</title><p id="rp">back at the app'),
  );
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('Agora’s OpenID login and consent pages in a real browser (Chromium + playwright-core)', () => {
  let agora: Agora;
  let rpServer: Server;
  let rp: Awaited<ReturnType<typeof relyingParty>>;
  let browser: Browser;
  let user: TestUser;

  beforeAll(async () => {
    rpServer = await relyingPartyServer();
    const { agora: app, issuer } = await listeningAgora();
    agora = app;
    rp = await relyingParty(agora, issuer, `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}/callback`);
    user = await registerAndLogin(agora);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await agora?.app.close();
    rpServer?.close();
  });

  it('signs in on the login page, allows on the consent page, and the client gets tokens and userinfo', async () => {
    const tab = await browser.newPage();
    // nothing on the pages is refused by their Content-Security-Policy, and no script fails
    const problems: string[] = [];
    tab.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && problems.push(m.text()));
    tab.on('pageerror', (err) => problems.push(err.message));
    const { url, checks } = await authorizationRequest(rp.config, rp.redirectUri);
    await tab.goto(url.toString());

    await expect.poll(() => tab.title()).toBe('Sign in to Agora — Agora');
    expect(await tab.textContent('main')).toContain('Test RP');
    // the stylesheet is allowed by its hash: the page is styled
    const button = await tab.$eval(
      '#sign-in',
      (el) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el)
          .backgroundColor,
    );
    expect(button).toBe('rgb(36, 84, 197)');

    await tab.fill('#login', user.username);
    await tab.fill('#password', 'not the password');
    await tab.click('#sign-in');
    await tab.waitForSelector('.error');
    expect(await tab.textContent('.error')).toBe('Wrong username, email or password.');

    await tab.fill('#password', user.password);
    await tab.click('#sign-in');
    await tab.waitForSelector('#allow');
    expect(await tab.textContent('main')).toContain('See your email address');
    await tab.click('#allow');
    await tab.waitForURL((u) => u.href.startsWith(rp.redirectUri));
    await tab.waitForSelector('#rp');

    const tokens = await oidc.authorizationCodeGrant(rp.config, new URL(tab.url()), checks);
    expect(tokens.claims()).toMatchObject({ sub: user.id, email: user.email });
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, preferred_username: user.username });

    // signed in at Agora now: a second authorization goes straight back to the client
    const second = await authorizationRequest(rp.config, rp.redirectUri);
    await tab.goto(second.url.toString());
    await tab.waitForURL((u) => u.href.startsWith(rp.redirectUri));
    const again = await oidc.authorizationCodeGrant(rp.config, new URL(tab.url()), second.checks);
    expect(again.claims()!.sub).toBe(user.id);
    expect(problems).toEqual([]);
  });

  it('deny on the consent page sends the client access_denied', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    const { url } = await authorizationRequest(rp.config, rp.redirectUri);
    await tab.goto(url.toString());
    await tab.fill('#login', user.email);
    await tab.fill('#password', user.password);
    await tab.click('#sign-in');
    await tab.click('#deny');
    await tab.waitForURL((u) => u.href.startsWith(rp.redirectUri));
    expect(new URL(tab.url()).searchParams.get('error')).toBe('access_denied');
    await context.close();
  });
});
