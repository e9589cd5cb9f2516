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
import { API as CINEMA } from '../cinema/helpers.js';
import { dispatch, users } from '../notifications/helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.ARTIFACTS_DIR ? join(process.env.ARTIFACTS_DIR, 'admin') : join('.artifacts', 'e2e', 'admin');

/** The same path through the back office, the microblog, the messenger, the cinema and notifications, in Chromium. */
describe('admin panel in a real browser: back office, microblog, messenger, cinema, notifications', () => {
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

  it('cinema: adds a film, refuses a rating beside the field, saves, finds it, deletes it', async () => {
    const title = unique('Browserfilm ');
    await page.goto(`${base}/admin/cinema/films`);
    await page.getByRole('link', { name: 'Add' }).click();
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Rating').fill('250');
    await page.getByLabel('Type').selectOption('movie');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#e-rating').textContent()).toBe('Ensure this value is at most 100.');
    await page.getByLabel('Rating').fill('72');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/cinema\/films\/[0-9a-f-]{36}$/);
    const id = /([0-9a-f-]{36})$/.exec(page.url())![1]!;
    await page.screenshot({ path: join(SHOTS, 'cinema-film-edit.png'), fullPage: true });
    const film = await agora.app.inject({ url: `${CINEMA}/films/${id}` });
    expect(film.json()).toMatchObject({ title, imdb_rating: 7.2 });

    await page.goto(`${base}/admin/cinema/films`);
    await page.getByLabel('Search').fill(title);
    await page.getByLabel('Type').selectOption('movie');
    await expect.poll(() => page.locator('#results tbody tr').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'cinema-films-search.png'), fullPage: true });
    await page.getByRole('link', { name: title }).click();
    await confirmDelete();
    expect((await agora.app.inject({ url: `${CINEMA}/films/${id}` })).statusCode).toBe(404);
  });

  it('notifications: a template error shows beside the body; a send to a user lands in captured mail', async () => {
    await page.goto(`${base}/admin/notifications/templates/add`);
    await page.getByLabel('Subject').fill('Hi {{ username }}');
    await page.getByLabel('Body').fill('{% if x %}never closed');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#e-body').count()).toBe(1);
    await page.getByLabel('Body').fill('Hello {{ username }}');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/notifications\/templates\/[0-9a-f-]{36}$/);
    await page.screenshot({ path: join(SHOTS, 'notifications-template-edit.png'), fullPage: true });

    const [to] = await users(agora, 1, 'e2e');
    await page.goto(`${base}/admin/notifications/notifications/add`);
    await page.getByLabel('Subject').fill('Hello {{ username }}');
    await page.getByLabel('Body').fill('<p>Your show starts soon.</p>');
    await page.getByLabel('Channel').selectOption('email');
    await page.getByLabel('Users').fill(to!.id);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/admin\/notifications\/notifications\/[0-9a-f-]{36}$/);
    await dispatch(agora);
    const stop = agora.startWorkers();
    try {
      await expect
        .poll(
          async () => {
            await page.goto(`${base}/admin/notifications/mail?q=${encodeURIComponent(to!.email)}`);
            return page.locator('#results tbody tr a').count();
          },
          { timeout: 15_000 },
        )
        .toBe(1);
    } finally {
      await stop();
    }
    await page.screenshot({ path: join(SHOTS, 'notifications-mail-list.png'), fullPage: true });
    await page.locator('#results tbody tr a').first().click();
    expect(await page.locator('main').textContent()).toContain(`Hello ${to!.username}`);
  });
});
