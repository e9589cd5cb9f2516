import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import { panelUser } from '../admin/helpers.js';
import { API, json, superuser } from '../backoffice/helpers.js';
import { blogger } from '../microblog/helpers.js';
import { call, chatWith, post, signup } from '../messenger/helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.ARTIFACTS_DIR ? join(process.env.ARTIFACTS_DIR, 'admin') : join('.artifacts', 'e2e', 'admin');

/** The same path through the back office, the microblog and the messenger, in Chromium. */
describe('admin panel in a real browser: back office, microblog, messenger', () => {
  let agora: Agora;
  let browser: Browser;
  let base: string;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    agora = await testApp();
    await agora.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(agora.app.server.address() as AddressInfo).port}`;
    const admin = await panelUser(agora, { superuser: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    page = await browser.newPage();
    await page.goto(`${base}/admin/login`);
    await page.getByLabel('Username or email').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/admin/`);
  });
  afterAll(async () => {
    await browser?.close();
    await agora?.app.close();
  });

  const confirmDelete = async () => {
    await page.getByRole('link', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toContain('deleted');
  };

  it('back office: adds a partner, refuses a bad house number beside the field, saves, deletes', async () => {
    const su = await superuser(agora);
    const name = unique('Browser school ');
    await page.goto(`${base}/admin/backoffice/partners`);
    await page.getByRole('link', { name: 'Add' }).click();
    for (const [label, value] of Object.entries({
      Name: name,
      'Legal entity': 'LLC Browser',
      Country: 'RU',
      Region: 'Moscow',
      City: 'Moscow',
      Street: 'Arbat',
      House: 'ten',
    }))
      await page.getByLabel(label).fill(value);
    await page.getByLabel('Status').selectOption('active');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#e-house').textContent()).toBe('A valid integer is required.');
    await page.getByLabel('House').fill('10');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/backoffice\/partners\/\d+$/);
    const id = /(\d+)$/.exec(page.url())![1]!;
    expect(json(await su.req('GET', `${API}/partners/${id}/`))).toMatchObject({ name, house: 10 });

    await page.goto(`${base}/admin/backoffice/partners`);
    await page.getByLabel('Search').fill(name);
    await page.getByLabel('Status').selectOption('active');
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'backoffice-partners-search.png'), fullPage: true });
    await page.getByRole('link', { name }).click();
    await page.getByLabel('City').fill('Kazan');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toBe('Saved.');
    expect(json(await su.req('GET', `${API}/partners/${id}/`))).toMatchObject({ city: 'Kazan' });
    await confirmDelete();
    expect((await su.req('GET', `${API}/partners/${id}/`)).statusCode).toBe(404);
  });

  it('microblog: finds a tweet, opens it, deletes it; the feed no longer has it', async () => {
    const me = await blogger(agora);
    const text = unique('needs moderation ');
    const made = await agora.app.inject({
      method: 'POST',
      url: '/microblog/api/tweets',
      headers: me.headers,
      payload: { tweet_data: text },
    });
    const id = made.json<{ tweet_id: number }>().tweet_id;
    await page.goto(`${base}/admin/microblog/tweets`);
    await page.getByLabel('Search').fill(text);
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: text }).click();
    await confirmDelete();
    const feed = await agora.app.inject({ url: '/microblog/api/tweets', headers: me.headers });
    expect(feed.json().tweets.map((t: { id: number }) => t.id)).not.toContain(id);
  });

  it('messenger: a chat shows its members; a message is read-only and deleted for moderation', async () => {
    const client = await signup(agora);
    const { chatId, memberId } = await chatWith(agora, client);
    const spam = unique('spam ');
    await post(agora, client, chatId, memberId, spam);
    await page.goto(`${base}/admin/messenger/chats/${chatId}`);
    expect(await page.locator('section.inline').textContent()).toContain(client.name);
    await page.goto(`${base}/admin/messenger/messages`);
    await page.getByLabel('Search').fill(spam);
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: spam }).click();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await confirmDelete();
    const history = await call(agora, 'GET', `/v1/chats/${chatId}/messages?limit=10`, { client });
    expect(history.json().messages).toEqual([]);
  });
});
