import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { demoPng } from '../../src/modules/microblog/microblog.seed.js';
import { blogger, type Blogger } from '../microblog/helpers.js';

const PAGE_DIR = join(import.meta.dirname, 'microblog-page');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Serves the test page from its own origin, so that the API calls are cross-origin (CORS is exercised). */
function pageServer(): Promise<Server> {
  const files: Record<string, [string, string]> = {
    '/': ['index.html', 'text/html'],
    '/app.js': ['app.js', 'application/javascript'],
  };
  const server = createServer((req, res) => {
    const entry = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!entry) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': entry[1] }).end(readFileSync(join(PAGE_DIR, entry[0])));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('microblog in a real browser (Chromium + playwright-core)', () => {
  let agora: Agora;
  let page: Server;
  let browser: Browser;
  let apiBase: string;
  let pageBase: string;
  let me: Blogger;
  let friend: Blogger;

  beforeAll(async () => {
    page = await pageServer();
    pageBase = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    agora = await testApp({ CORS_ORIGINS: pageBase });
    await agora.app.listen({ port: 0, host: '127.0.0.1' });
    apiBase = `http://127.0.0.1:${(agora.app.server.address() as AddressInfo).port}`;
    me = await blogger(agora);
    friend = await blogger(agora);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await agora?.app.close();
    page?.close();
  });

  it('posts a tweet with an image, sees it loaded in the feed, likes it, follows a user', async () => {
    const tab = await browser.newPage();
    const failures: string[] = [];
    tab.on('console', (m) => m.type() === 'error' && failures.push(m.text()));
    const query = new URLSearchParams({ api: apiBase, key: me.key, follow: String(friend.id) });
    await tab.goto(`${pageBase}/?${query}`);

    await tab.fill('#text', 'Hello from a real browser');
    await tab.setInputFiles('#image', { name: 'orange.png', mimeType: 'image/png', buffer: demoPng([240, 130, 40]) });
    await tab.click('#post');
    await tab.waitForSelector('#status:has-text("posted")');

    const tweet = tab.locator('.tweet', { hasText: 'Hello from a real browser' });
    const img = tweet.locator('img');
    await img.waitFor();
    await expect
      .poll(() =>
        img.evaluate(
          (el) =>
            (el as unknown as { complete: boolean; naturalWidth: number }).complete &&
            (el as unknown as { naturalWidth: number }).naturalWidth,
        ),
      )
      .toBe(96);
    const src = await img.getAttribute('src');
    // The default attachment path, served at Agora's root (and through the course's /api/ proxy alike).
    expect(src).toBe(`${apiBase}/api/medias/${src!.split('/').pop()}`);
    expect(src).toMatch(/\/api\/medias\/[0-9a-f]{64}\.png$/);

    await tweet.locator('button.like').click();
    await tab.waitForSelector('.tweet button.like:has-text("Like (1)")');

    await tab.click('#follow');
    await tab.waitForSelector('#status:has-text("followed 201")');

    const profile = await agora.app.inject({ url: '/microblog/api/users/me', headers: me.headers });
    expect(profile.json().user.following).toEqual([{ id: friend.id, name: friend.name }]);
    const feed = await agora.app.inject({ url: '/microblog/api/tweets', headers: me.headers });
    expect(feed.json().tweets[0].likes).toEqual([{ user_id: me.id, name: me.name }]);
    expect(failures).toEqual([]);
  });
});
