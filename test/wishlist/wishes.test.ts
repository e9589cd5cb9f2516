import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { schemaChecker } from '../helpers/openapi.js';
import { W, addWish, auth, wishUser, type WishUser } from './helpers.js';

describe('wishlist: wishes', () => {
  let agora: Agora;
  let a: WishUser;
  let b: WishUser;
  beforeAll(async () => {
    agora = await testApp();
    [a, b] = [await wishUser(agora), await wishUser(agora)];
  });
  afterAll(async () => agora.app.close());

  const call = (u: WishUser, method: string, url: string, payload?: unknown) =>
    agora.app.inject({ method: method as 'GET', url: `${W}${url}`, headers: auth(u), payload: payload as object });

  it('creates with defaults, in the DRF key order, price as a string and Z timestamps', async () => {
    const res = await call(a, 'POST', '/wishes/', { title: '  Kettle ', price: 150, user: b.id });
    expect(res.statusCode).toBe(201);
    const w = res.json();
    expect(Object.keys(w)).toEqual([
      'id',
      'title',
      'description',
      'url',
      'price',
      'is_reserved',
      'is_active',
      'created_at',
      'updated_at',
      'user',
      'reserved_by',
    ]);
    expect(w).toMatchObject({
      title: 'Kettle',
      description: '',
      url: '',
      price: '150.00',
      is_reserved: false,
      is_active: true,
      user: a.id,
      reserved_by: null,
    });
    expect(w.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(typeof w.id).toBe('number');
    expect((await call(a, 'POST', '/wishes/', { title: 'n', price: null })).json().price).toBeNull();
    expect((await call(a, 'POST', '/wishes/', { title: 'n', price: '99999999.99' })).json().price).toBe('99999999.99');
  });

  it('lists only the caller’s wishes as a bare array, newest first', async () => {
    const u = await wishUser(agora);
    const first = await addWish(agora, u);
    const second = await addWish(agora, u);
    await addWish(agora, b);
    const res = await call(u, 'GET', '/wishes/');
    expect(res.statusCode).toBe(200);
    expect(Array.isArray(res.json())).toBe(true);
    expect(res.json().map((w: { id: number }) => w.id)).toEqual([second.id, first.id]);
    const noSlash = await agora.app.inject({ url: `${W}/wishes`, headers: auth(u) });
    expect(noSlash.statusCode).toBe(200);
    expect(noSlash.json()).toHaveLength(2);
  });

  it('paginates only when asked', async () => {
    const u = await wishUser(agora);
    for (let i = 0; i < 3; i++) await addWish(agora, u, { title: `w${i}` });
    const p1 = await call(u, 'GET', '/wishes/?limit=2');
    expect(p1.statusCode).toBe(200);
    const body = p1.json();
    expect(Object.keys(body)).toEqual(['count', 'next', 'previous', 'results']);
    expect(body.count).toBe(3);
    expect(body.results.map((w: { title: string }) => w.title)).toEqual(['w2', 'w1']);
    expect(body.next).toMatch(/\/wishlist\/api\/wishes\/\?limit=2&page=2$/);
    expect(body.previous).toBeNull();
    const p2 = (await call(u, 'GET', '/wishes/?limit=2&page=2')).json();
    expect(p2.results.map((w: { title: string }) => w.title)).toEqual(['w0']);
    expect(p2.next).toBeNull();
    const bad = await call(u, 'GET', '/wishes/?page=9');
    expect(bad.statusCode).toBe(404);
    expect(bad.json()).toEqual({ detail: 'Invalid page.' });
    // Without PUBLIC_URL the link names the host the request came to.
    const hosted = await agora.app.inject({ url: `${W}/wishes/?limit=2`, headers: { ...auth(u), host: 'a.example' } });
    expect(hosted.json().next).toBe('http://a.example/wishlist/api/wishes/?limit=2&page=2');
  });

  it('builds page links from PUBLIC_URL when it is set, whatever Host the request carries', async () => {
    const published = await testApp({ PUBLIC_URL: 'https://wishes.example.org' });
    try {
      const u = await wishUser(published);
      for (let i = 0; i < 3; i++) await addWish(published, u, { title: `w${i}` });
      const res = await published.app.inject({
        url: `${W}/wishes/?limit=2`,
        headers: { ...auth(u), host: 'evil.example' },
      });
      expect(res.json().next).toBe('https://wishes.example.org/wishlist/api/wishes/?limit=2&page=2');
    } finally {
      await published.app.close();
    }
  });

  it('sends both list shapes as JSON, each valid against the documented 200 schema', async () => {
    const u = await wishUser(agora);
    for (let i = 0; i < 3; i++) await addWish(agora, u, { title: `d${i}`, price: '1.50' });
    const doc = (await agora.app.inject({ url: '/openapi.json' })).json();
    const schema = doc.paths[`${W}/wishes/`].get.responses['200'].content['application/json'].schema;
    const valid = schemaChecker();
    for (const query of ['', '?limit=2', '?page=2&limit=2']) {
      const res = await call(u, 'GET', `/wishes/${query}`);
      expect(res.statusCode, query).toBe(200);
      expect(res.headers['content-type'], query).toBe('application/json; charset=utf-8');
      expect(valid(schema, res.json()), query).toBeUndefined();
    }
    // The document names the page object: a client generated from it can read the paged form.
    expect(JSON.stringify(schema)).toContain('"results"');
  });

  it('validates every field with DRF’s messages', async () => {
    const cases: [Record<string, unknown>, Record<string, string[]>][] = [
      [{}, { title: ['This field is required.'] }],
      [{ title: '   ' }, { title: ['This field may not be blank.'] }],
      [{ title: 'x'.repeat(256) }, { title: ['Ensure this field has no more than 255 characters.'] }],
      [{ title: true }, { title: ['Not a valid string.'] }],
      [{ title: 'ok', url: 'not a url' }, { url: ['Enter a valid URL.'] }],
      [{ title: 'ok', url: 'mailto:x@example.com' }, { url: ['Enter a valid URL.'] }],
      [
        { title: 'ok', url: `https://example.com/${'a'.repeat(190)}` },
        { url: ['Ensure this field has no more than 200 characters.'] },
      ],
      [{ title: 'ok', price: '1.234' }, { price: ['Ensure that there are no more than 2 decimal places.'] }],
      [{ title: 'ok', price: '1234567890.1' }, { price: ['Ensure that there are no more than 10 digits in total.'] }],
      [
        { title: 'ok', price: '123456789.1' },
        { price: ['Ensure that there are no more than 8 digits before the decimal point.'] },
      ],
      [{ title: 'ok', price: '1.230' }, { price: ['Ensure that there are no more than 2 decimal places.'] }],
      [
        { title: 'ok', price: '123456789' },
        { price: ['Ensure that there are no more than 8 digits before the decimal point.'] },
      ],
      [{ title: 'ok', price: 'abc' }, { price: ['A valid number is required.'] }],
      [{ title: 'ok', price: '' }, { price: ['A valid number is required.'] }],
      [{ title: 'ok', is_reserved: 'maybe' }, { is_reserved: ['Must be a valid boolean.'] }],
      [{ title: 'ok', is_active: null }, { is_active: ['This field may not be null.'] }],
      [{ title: 'ok', description: null }, { description: ['This field may not be null.'] }],
      [
        { title: 'ok', reserved_by: '00000000-0000-4000-8000-000000000000' },
        { reserved_by: ['Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.'] },
      ],
      [{ title: 'ok', reserved_by: [1] }, { reserved_by: ['Incorrect type. Expected pk value, received list.'] }],
      [{ title: 'bad\u0000null' }, { title: ['Null characters are not allowed.'] }],
    ];
    for (const [payload, errors] of cases) {
      const res = await call(a, 'POST', '/wishes/', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json(), JSON.stringify(payload)).toEqual(errors);
    }
    for (const url of [
      'http://example.com',
      'https://sub.example.co.uk/a?b=c#d',
      'ftp://files.example.org/x',
      'http://localhost:8000/',
      'http://127.0.0.1/',
    ]) {
      expect((await call(a, 'POST', '/wishes/', { title: 'ok', url })).statusCode, url).toBe(201);
    }
    const reserver = await call(a, 'POST', '/wishes/', { title: 'ok', reserved_by: b.id, is_reserved: 'true' });
    expect(reserver.statusCode).toBe(201);
    expect(reserver.json()).toMatchObject({ reserved_by: b.id, is_reserved: true });
  });

  it('reads, updates (PUT keeps omitted fields, PATCH partial) and deletes with 204', async () => {
    const w = await addWish(agora, a, { description: 'keep me', price: '10.50' });
    const got = await call(a, 'GET', `/wishes/${w.id}/`);
    expect(got.json()).toEqual(w);
    expect((await call(a, 'PUT', `/wishes/${w.id}/`, { description: 'x' })).json()).toEqual({
      title: ['This field is required.'],
    });
    const put = await call(a, 'PUT', `/wishes/${w.id}/`, { title: 'Renamed' });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ title: 'Renamed', description: 'keep me', price: '10.50' });
    const patch = await call(a, 'PATCH', `/wishes/${w.id}/`, { is_active: false, price: null });
    expect(patch.json()).toMatchObject({ title: 'Renamed', is_active: false, price: null });
    expect((await call(a, 'PATCH', `/wishes/${w.id}/`, { title: '' })).json()).toEqual({
      title: ['This field may not be blank.'],
    });
    const del = await call(a, 'DELETE', `/wishes/${w.id}/`);
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expect((await call(a, 'GET', `/wishes/${w.id}/`)).statusCode).toBe(404);
  });

  it('isolates users: another user’s wish is 404 Not found. for every method, and unchanged', async () => {
    const w = await addWish(agora, b, { title: 'B only' });
    for (const [method, payload] of [
      ['GET'],
      ['PUT', { title: 'hijack' }],
      ['PATCH', { title: 'hijack' }],
      ['DELETE'],
    ] as const) {
      const res = await call(a, method, `/wishes/${w.id}/`, payload);
      expect(res.statusCode, method).toBe(404);
      expect(res.json()).toEqual({ detail: 'Not found.' });
    }
    expect((await call(b, 'GET', `/wishes/${w.id}/`)).json().title).toBe('B only');
    for (const id of ['abc', '99999999999', '0', '-1']) {
      expect((await call(a, 'GET', `/wishes/${id}/`)).statusCode, id).toBe(404);
    }
  });

  it('answers 405 for wrong methods and counts creations and deletions', async () => {
    const res = await call(a, 'POST', '/wishes/1/', { title: 'x' });
    expect(res.statusCode).toBe(405);
    expect(res.json()).toEqual({ detail: 'Method "POST" not allowed.' });
    expect((await call(a, 'DELETE', '/wishes/')).json()).toEqual({ detail: 'Method "DELETE" not allowed.' });
    const value = async (name: string) =>
      (await agora.ctx.metrics.registry.getSingleMetric(name)!.get()).values.reduce((s, v) => s + v.value, 0);
    const [c0, d0] = [await value('wishlist_wishes_created_total'), await value('wishlist_wishes_deleted_total')];
    const w = await addWish(agora, a);
    await call(a, 'DELETE', `/wishes/${w.id}/`);
    expect(await value('wishlist_wishes_created_total')).toBe(c0 + 1);
    expect(await value('wishlist_wishes_deleted_total')).toBe(d0 + 1);
  });

  it('answers other body types with DRF’s 415, OPTIONS with view metadata, and /health/ under the prefix', async () => {
    const plain = await agora.app.inject({
      method: 'POST',
      url: `${W}/wishes/`,
      headers: { ...auth(a), 'content-type': 'text/plain' },
      payload: 'title=x',
    });
    expect(plain.statusCode).toBe(415);
    expect(plain.json()).toEqual({ detail: 'Unsupported media type "text/plain" in request.' });
    const form = await agora.app.inject({
      method: 'POST',
      url: `${W}/wishes/`,
      headers: { ...auth(a), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'title=From+a+form&price=3.50',
    });
    expect(form.statusCode).toBe(201);
    expect(form.json()).toMatchObject({ title: 'From a form', price: '3.50' });

    const options = await call(a, 'OPTIONS', '/wishes/');
    expect(options.statusCode).toBe(200);
    expect(options.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    expect(options.json()).toMatchObject({ name: 'Wishes', renders: ['application/json'] });
    const anonymous = await agora.app.inject({ method: 'OPTIONS', url: `${W}/wishes/` });
    expect(anonymous.statusCode).toBe(401);

    const health = await agora.app.inject({ url: '/wishlist/health/' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
  });

  it('never answers 5xx to malformed bodies', async () => {
    const bodies = ['{', 'null', '"str"', '[]', '{"title": {"a": 1}}', JSON.stringify({ title: 'x', price: 1e308 })];
    for (const payload of bodies) {
      const res = await agora.app.inject({
        method: 'POST',
        url: `${W}/wishes/`,
        headers: { ...auth(a), 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, payload).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, payload).toBeLessThan(500);
    }
  });
});
