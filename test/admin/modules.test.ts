import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { demoPng } from '../../src/modules/microblog/microblog.seed.js';
import { testApp } from '../helpers/app.js';
import { bearer, registerAndLogin } from '../helpers/identity.js';
import { multipart, PDF } from '../files/fixtures.js';
import { blogger } from '../microblog/helpers.js';
import { call, chatWith, post, signup } from '../messenger/helpers.js';
import { addWish, auth, W, wishUser } from '../wishlist/helpers.js';
import { PanelClient, panelUser } from './helpers.js';

describe('admin panel over the modules: writes go through each module and show in its own API', () => {
  let agora: Agora;
  let browser: PanelClient;
  let admin: Awaited<ReturnType<typeof panelUser>>;
  beforeAll(async () => {
    agora = await testApp();
    admin = await panelUser(agora, { superuser: true });
    browser = new PanelClient(agora);
    await browser.signIn(admin.username, admin.password);
  });
  afterAll(async () => agora?.app.close());

  const audited = async (filter: string, expected: string) =>
    expect((await browser.get(`/admin/admin/audit?${filter}`)).body).toContain(expected);

  it('wishlist: edits a wish with the service’s own validation, releases a reservation, deletes', async () => {
    const owner = await wishUser(agora);
    const wish = await addWish(agora, owner, { title: 'Kettle', price: '20.00' });
    const url = `/admin/wishlist/wishes/${wish.id}`;
    const form = { title: 'Kettle', description: '', url: '', price: '20.00', isActive: 'on' };
    await browser.get(url);
    const bad = await browser.post(url, { ...form, price: 'cheap' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/<p class="field-error" id="e-price">A valid number is required\.<\/p>/);
    const ok = await browser.post(url, { ...form, title: 'Electric kettle', isReserved: 'on' });
    expect(ok.statusCode).toBe(303);
    const seen = await agora.app.inject({ url: `${W}/wishes/${wish.id}/`, headers: auth(owner) });
    expect(seen.json()).toMatchObject({ title: 'Electric kettle', is_reserved: true });
    const reserved = await browser.get(`/admin/wishlist/reservations?f_link=false`);
    expect(reserved.body).toContain(`/admin/wishlist/reservations/${wish.id}`);
    expect(
      (await browser.post(`/admin/wishlist/reservations/${wish.id}/actions/release`, { confirmed: 'yes' })).statusCode,
    ).toBe(303);
    const released = await agora.app.inject({ url: `${W}/wishes/${wish.id}/`, headers: auth(owner) });
    expect(released.json()).toMatchObject({ is_reserved: false, reserved_by: null });
    expect((await browser.get(`${url}/delete`)).body).toContain('Yes, delete');
    expect((await browser.post(`${url}/delete`, { confirmed: 'yes' })).statusCode).toBe(303);
    expect((await agora.app.inject({ url: `${W}/wishes/${wish.id}/`, headers: auth(owner) })).statusCode).toBe(404);
    await audited(`f_resource=wishlist.wishes&f_action=delete`, String(wish.id));
  });

  it('microblog: deletes a tweet with its image and an unattached media; shows follows', async () => {
    const me = await blogger(agora);
    const friend = await blogger(agora);
    await agora.app.inject({ method: 'POST', url: `/microblog/api/users/${friend.id}/follow`, headers: me.headers });
    const upload = async () => {
      const mp = multipart(demoPng([10, 20, 30]), 'a.png');
      const res = await agora.app.inject({
        method: 'POST',
        url: '/microblog/api/medias',
        payload: mp.payload,
        headers: { ...mp.headers, ...me.headers },
      });
      return res.json<{ media_id: number }>().media_id;
    };
    const attached = await upload();
    const loose = await upload();
    const tweet = await agora.app.inject({
      method: 'POST',
      url: '/microblog/api/tweets',
      headers: me.headers,
      payload: { tweet_data: 'moderate me', tweet_media_ids: [attached] },
    });
    const tweetId = tweet.json<{ tweet_id: number }>().tweet_id;
    const page = await browser.get(`/admin/microblog/tweets/${tweetId}`);
    expect(page.body).toContain('moderate me');
    expect(page.body).toContain(`/admin/microblog/media/${attached}`);
    expect((await browser.post(`/admin/microblog/tweets/${tweetId}/delete`)).statusCode).toBe(303);
    const feed = await agora.app.inject({ url: '/microblog/api/tweets', headers: me.headers });
    expect(feed.json().tweets.map((t: { id: number }) => t.id)).not.toContain(tweetId);
    expect((await browser.get(`/admin/microblog/media/${attached}`)).statusCode).toBe(404);
    expect((await browser.post(`/admin/microblog/media/${loose}/delete`)).statusCode).toBe(303);
    expect((await browser.get(`/admin/microblog/media/${loose}`)).statusCode).toBe(404);
    const profile = await browser.get(`/admin/microblog/profiles/${me.id}`);
    expect(profile.body).toContain(`/admin/microblog/profiles/${friend.id}`);
  });

  it('messenger: chats with members, messages read-only but deletable, search tasks', async () => {
    const client = await signup(agora);
    const { chatId, memberId } = await chatWith(agora, client);
    const id = await post(agora, client, chatId, memberId, 'spam spam spam');
    await post(agora, client, chatId, memberId, 'a real message');
    const history = () => call(agora, 'GET', `/v1/chats/${chatId}/messages?limit=10`, { client });
    expect((await history()).json().messages).toHaveLength(2);
    const chat = await browser.get(`/admin/messenger/chats/${chatId}`);
    expect(chat.body).toContain(`/admin/messenger/members/${memberId}`);
    const message = await browser.get(`/admin/messenger/messages/${id}`);
    expect(message.body).not.toContain('<button type="submit">Save</button>');
    expect((await browser.post(`/admin/messenger/messages/${id}`, { text: 'edited' })).statusCode).toBe(404);
    expect((await browser.post(`/admin/messenger/messages/${id}/delete`)).statusCode).toBe(303);
    expect((await history()).json().messages).toEqual([{ text: 'a real message' }]);
    const task = await call(agora, 'POST', '/v1/chats/search', { client, body: { message: 'real' } });
    expect(task.status).toBeLessThan(300);
    const tasks = await browser.get(`/admin/messenger/search-tasks?q=${client.session ? 'real' : ''}`);
    expect(tasks.statusCode).toBe(200);
    expect(tasks.body).toMatch(/\/admin\/messenger\/search-tasks\/[0-9a-f-]{36}/);
  });

  it('files: browses, downloads and deletes a stored file', async () => {
    const owner = await registerAndLogin(agora);
    const mp = multipart(PDF, 'report.pdf', 'file', 'application/pdf');
    const up = await agora.app.inject({
      method: 'POST',
      url: '/files/api/v1/files/',
      payload: mp.payload,
      headers: { ...mp.headers, ...bearer(owner.access) },
    });
    const short = up.json<{ short_name: string }>().short_name;
    const list = await browser.get(`/admin/files/files?q=${short}`);
    expect(list.body).toContain(`/admin/files/files/${short}`);
    const download = await browser.get(`/admin/files/files/${short}/download`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-disposition']).toContain('attachment; filename="report.pdf"');
    expect(download.headers['cache-control']).toBe('private, no-store');
    expect(download.rawPayload.equals(PDF)).toBe(true);
    expect((await browser.post(`/admin/files/files/${short}/delete`)).statusCode).toBe(303);
    const gone = await agora.app.inject({ url: `/files/api/v1/files/${short}`, headers: bearer(owner.access) });
    expect(gone.statusCode).toBe(404);
  });

  it('jobs: lists dead jobs, retries one and discards another', async () => {
    const insert = async (id: string) =>
      agora.ctx.database.db.execute(sql`insert into platform.jobs (id, name, payload, status, attempts, max_attempts,
        run_at, last_error, finished_at) values (${id}, 'admin.test', '{}'::jsonb, 'dead', 3, 3, now(), 'boom', now())`);
    const [a, b] = [randomUUID(), randomUUID()];
    await insert(a);
    await insert(b);
    const dead = await browser.get('/admin/jobs/jobs?f_status=dead');
    expect(dead.body).toContain(`/admin/jobs/jobs/${a}`);
    expect((await browser.post(`/admin/jobs/jobs/${a}/actions/retry`)).statusCode).toBe(303);
    const retried = await browser.get(`/admin/jobs/jobs/${a}`);
    expect(retried.body).toMatch(/<div class="value" aria-labelledby="l-status">pending<\/div>/);
    expect((await browser.post(`/admin/jobs/jobs/${a}/actions/retry`)).statusCode).toBe(404);
    expect((await browser.post(`/admin/jobs/jobs/${b}/actions/discard`, { confirmed: 'yes' })).statusCode).toBe(303);
    expect((await browser.get(`/admin/jobs/jobs/${b}`)).statusCode).toBe(404);
    await audited('f_resource=jobs.jobs&f_action=retry', a);
  });
});

describe('admin panel: odd input is a 4xx or a page, never a 5xx', () => {
  let agora: Agora;
  let browser: PanelClient;
  beforeAll(async () => {
    agora = await testApp();
    const admin = await panelUser(agora, { superuser: true });
    browser = new PanelClient(agora);
    await browser.signIn(admin.username, admin.password);
  });
  afterAll(async () => agora?.app.close());

  it('ignores unreadable cursors and orders, answers 404 for ids of the wrong shape, reads JSON bodies as text', async () => {
    const owner = await wishUser(agora);
    const wish = await addWish(agora, owner, { title: 'Odd' });
    for (const url of [
      '/admin/wishlist/wishes?after=not-a-cursor&order=nope&f_active=maybe',
      `/admin/wishlist/wishes?before=${Buffer.from('["x","y"]').toString('base64url')}`,
      '/admin/identity/users?q=%25_%5C&f_active=true',
      '/admin/identity/sessions?q=00000000-0000-0000-0000-000000000000',
    ])
      expect((await browser.get(url)).statusCode, url).toBe(200);
    for (const url of ['/admin/wishlist/wishes/abc', '/admin/identity/users/1', '/admin/jobs/jobs/x', '/admin/x/y'])
      expect((await browser.get(url)).statusCode, url).toBe(404);
    const page = await browser.get(`/admin/wishlist/wishes/${wish.id}`);
    expect(page.statusCode).toBe(200);
    const json = await agora.app.inject({
      method: 'POST',
      url: `/admin/wishlist/wishes/${wish.id}`,
      headers: { cookie: `agora_admin=${browser.cookies.get('agora_admin')}`, 'content-type': 'application/json' },
      payload: { _csrf: browser.csrf, title: { nested: true }, price: 12, isActive: true },
    });
    expect(json.statusCode).toBe(303);
    const seen = await agora.app.inject({ url: `${W}/wishes/${wish.id}/`, headers: auth(owner) });
    expect(seen.json()).toMatchObject({ title: '{"nested":true}', price: '12.00' });
  });
});
