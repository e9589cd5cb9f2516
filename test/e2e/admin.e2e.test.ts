import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { panelUser } from '../admin/helpers.js';
import { addWish, auth, W, wishUser } from '../wishlist/helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of every list and record page, kept as CI artifacts. */
const SHOTS = process.env.ARTIFACTS_DIR ? join(process.env.ARTIFACTS_DIR, 'admin') : join('.artifacts', 'e2e', 'admin');

describe('admin panel in a real browser (Chromium + playwright-core)', () => {
  let agora: Agora;
  let browser: Browser;
  let base: string;
  let admin: { username: string; password: string };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    agora = await testApp();
    await agora.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(agora.app.server.address() as AddressInfo).port}`;
    admin = await panelUser(agora, { superuser: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await agora?.app.close();
  });

  async function signIn(page: Page) {
    await page.goto(`${base}/admin/`);
    await page.waitForURL(/\/admin\/login/);
    await page.getByLabel('Username or email').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/admin/`);
  }

  it('signs in, searches, filters, edits with an error beside the field, saves, deletes (JavaScript on)', async () => {
    const owner = await wishUser(agora);
    const wish = await addWish(agora, owner, { title: 'Browser kettle', price: '20.00' });
    await addWish(agora, owner, { title: 'Browser toaster' });
    const page = await browser.newPage();
    const errors: string[] = [];
    // The refused save answers 422 on purpose; anything else logged as an error is a defect.
    page.on('console', (m) => m.type() === 'error' && !m.text().includes('422') && errors.push(m.text()));
    await signIn(page);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Dashboard');

    await page.getByRole('link', { name: 'Wishes' }).first().click();
    await page.waitForURL(/\/admin\/wishlist\/wishes$/);
    // htmx swaps the results as one types (no submit), and keeps the URL shareable.
    await page.getByLabel('Search').fill('Browser kettle');
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);
    await expect.poll(() => page.url()).toContain('q=Browser+kettle');
    await page.getByLabel('Reserved').selectOption('true');
    await expect.poll(() => page.locator('#results').textContent()).toContain('No records found.');
    await page.getByLabel('Reserved').selectOption('false');
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);

    await page.getByRole('link', { name: 'Browser kettle' }).click();
    await page.waitForURL(new RegExp(`/admin/wishlist/wishes/${wish.id}$`));
    await page.getByLabel('Price').fill('cheap');
    await page.getByRole('button', { name: 'Save' }).click();
    const fieldError = page.locator('#e-price');
    await expect.poll(() => fieldError.textContent()).toBe('A valid number is required.');
    expect(await page.getByLabel('Price').getAttribute('aria-describedby')).toBe('e-price');
    await page.getByLabel('Price').fill('24.50');
    await page.getByLabel('Title').fill('Browser kettle, steel');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toBe('Saved.');
    const api = await agora.app.inject({ url: `${W}/wishes/${wish.id}/`, headers: auth(owner) });
    expect(api.json()).toMatchObject({ title: 'Browser kettle, steel', price: '24.50' });

    await page.getByRole('link', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.waitForURL(/\/admin\/wishlist\/wishes$/);
    expect(await page.locator('.flash').textContent()).toContain('deleted Browser kettle, steel');
    expect((await agora.app.inject({ url: `${W}/wishes/${wish.id}/`, headers: auth(owner) })).statusCode).toBe(404);

    await page.goto(`${base}/admin/admin/audit?f_username=${admin.username}&f_resource=wishlist.wishes`);
    const log = await page.locator('#results').textContent();
    expect(log).toContain('update');
    expect(log).toContain('price: 20.00 → 24.50');
    expect(log).toContain('delete');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works with JavaScript off at 375 px: labelled controls, visible focus, edit and action with confirmation', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    const target = await panelUser(agora);
    await signIn(page);
    await page.goto(`${base}/admin/identity/users?q=${target.username}`);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('link', { name: target.username }).click();
    await page.waitForURL(new RegExp(`/admin/identity/users/${target.id}$`));
    // Evaluated in the page (the test's TypeScript has no DOM types).
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    const unlabelled = await page.evaluate(`[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((el) => !el.labels.length && !el.getAttribute('aria-labelledby')).length`);
    expect(unlabelled).toBe(0);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');

    await page.getByLabel('Username').fill('bad name!');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#e-username').textContent()).toContain('Enter a valid username');
    await page.getByLabel('Username').fill(`${target.username}_m`);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toBe('Saved.');
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toBe('Deactivate: done.');
    const user = await agora.identity.service.getUser(target.id);
    expect(user).toMatchObject({ username: `${target.username}_m`, isActive: false });
    await page.screenshot({ path: join(SHOTS, 'identity-user-375px-no-js.png'), fullPage: true });
    await page.goto(`${base}/admin/admin/audit?f_resource=identity.users&f_username=${admin.username}`);
    const log = (await page.locator('#results').textContent()) ?? '';
    expect(log).toContain(`username: ${target.username} → ${target.username}_m`);
    expect(log).toContain('isActive: yes → no');
    await context.close();
  });

  it('opens the list and a record of every resource of every module (screenshots)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
    const resources = await page.locator('nav.side ul a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    expect(resources.length).toBeGreaterThan(10);
    for (const href of resources) {
      const name = href.replace(/^\/admin\//, '').replace(/\//g, '-');
      const res = await page.goto(`${base}${href}`);
      expect(res?.status(), href).toBe(200);
      await page.screenshot({ path: join(SHOTS, `${name}-list.png`), fullPage: true });
      const first = page.locator('#results tbody tr td:first-child a').first();
      if (await first.count()) {
        await first.click();
        await page.waitForLoadState();
        expect(await page.locator('h1').count()).toBe(1);
        await page.screenshot({ path: join(SHOTS, `${name}-record.png`), fullPage: true });
      }
    }
    await page.close();
  });
});
