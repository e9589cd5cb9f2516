import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { W, addWish, auth, wishUser, type WishUser } from './helpers.js';

describe('wishlist: share links and secret reservations', () => {
  let agora: Agora;
  let owner: WishUser;
  let v1: WishUser;
  let v2: WishUser;
  beforeAll(async () => {
    agora = await testApp();
    [owner, v1, v2] = [await wishUser(agora, { first_name: 'Olga' }), await wishUser(agora), await wishUser(agora)];
  });
  afterAll(async () => agora.app.close());

  const call = (u: WishUser | undefined, method: string, url: string, payload?: unknown) =>
    agora.app.inject({
      method: method as 'GET',
      url: `${W}${url}`,
      headers: u ? auth(u) : {},
      payload: payload as object,
    });
  const share = async (u: WishUser) => (await call(u, 'POST', '/share/')).json<{ token: string; url: string }>();

  it('creates, reads, rotates and revokes a link; old tokens stop working', async () => {
    const u = await wishUser(agora);
    expect((await call(u, 'GET', '/share/')).statusCode).toBe(404);
    const created = await call(u, 'POST', '/share/');
    expect(created.statusCode).toBe(201);
    const first = created.json();
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    expect(first.url).toBe(`/wishlist/api/shared/${first.token}/`);
    expect((await call(u, 'GET', '/share/')).json().token).toBe(first.token);
    expect((await agora.app.inject({ url: first.url })).statusCode).toBe(200);
    const second = await share(u);
    expect(second.token).not.toBe(first.token);
    expect((await agora.app.inject({ url: first.url })).statusCode).toBe(404);
    expect((await call(u, 'DELETE', '/share/')).statusCode).toBe(204);
    expect((await agora.app.inject({ url: second.url })).json()).toEqual({ detail: 'Not found.' });
    expect((await call(undefined, 'POST', '/share/')).statusCode).toBe(401);
  });

  it('shows only active wishes, read-only, to anyone with the link', async () => {
    const active = await addWish(agora, owner, { title: 'Visible', price: '12.00' });
    const hidden = await addWish(agora, owner, { title: 'Hidden', is_active: false });
    const link = await share(owner);
    const res = await agora.app.inject({ url: link.url });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.owner).toEqual({ username: owner.username, first_name: 'Olga', last_name: '' });
    const ids = body.wishes.map((w: { id: number }) => w.id);
    expect(ids).toContain(active.id);
    expect(ids).not.toContain(hidden.id);
    expect(body.wishes.find((w: { id: number }) => w.id === active.id)).toEqual({
      id: active.id,
      title: 'Visible',
      description: '',
      url: '',
      price: '12.00',
      is_reserved: false,
      reserved_by_me: false,
      created_at: active.created_at,
    });
    expect((await agora.app.inject({ method: 'PUT', url: link.url })).statusCode).toBe(405);
    const bad = await agora.app.inject({ url: link.url, headers: { authorization: 'Bearer garbage' } });
    expect(bad.statusCode).toBe(401);
  });

  it('lets exactly one of two racing visitors reserve; the loser gets 409', async () => {
    const w = await addWish(agora, owner, { title: 'Race' });
    const link = await share(owner);
    const url = `/shared/${link.token}/wishes/${w.id}/reserve/`;
    const results = await Promise.all([
      call(v1, 'POST', url),
      call(v2, 'POST', url),
      call(v1, 'POST', url),
      call(v2, 'POST', url),
    ]);
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409, 409, 409]);
    const loser = results.find((r) => r.statusCode === 409)!;
    expect(loser.json()).toEqual({ detail: 'This wish is already reserved.' });
    const winner = results.find((r) => r.statusCode === 200)!;
    expect(winner.json()).toMatchObject({ id: w.id, is_reserved: true, reserved_by_me: true });
  });

  it('keeps the reserver secret from the owner unless the owner opts in', async () => {
    const w = await addWish(agora, owner, { title: 'Secret' });
    const link = await share(owner);
    expect((await call(v1, 'POST', `/shared/${link.token}/wishes/${w.id}/reserve/`)).statusCode).toBe(200);
    const seen = (await call(owner, 'GET', `/wishes/${w.id}/`)).json();
    expect(seen).toMatchObject({ is_reserved: true, reserved_by: null });
    const listed = (await call(owner, 'GET', '/wishes/')).json().find((x: { id: number }) => x.id === w.id);
    expect(listed).toMatchObject({ is_reserved: true, reserved_by: null });
    const v2view = (await call(v2, 'GET', `/shared/${link.token}/`))
      .json()
      .wishes.find((x: { id: number }) => x.id === w.id);
    expect(v2view).toMatchObject({ is_reserved: true, reserved_by_me: false });

    expect((await call(owner, 'GET', '/users/me/settings/')).json()).toEqual({ show_reservers: false });
    expect((await call(owner, 'PATCH', '/users/me/settings/', { show_reservers: 'nope' })).json()).toEqual({
      show_reservers: ['Must be a valid boolean.'],
    });
    expect((await call(owner, 'PATCH', '/users/me/settings/', { show_reservers: true })).json()).toEqual({
      show_reservers: true,
    });
    expect((await call(owner, 'GET', `/wishes/${w.id}/`)).json().reserved_by).toBe(v1.id);
    await call(owner, 'PATCH', '/users/me/settings/', { show_reservers: false });
    expect((await call(owner, 'GET', `/wishes/${w.id}/`)).json().reserved_by).toBeNull();
  });

  it('unreserves only one’s own reservation; owners cannot reserve their own wishes; unknown wishes are 404', async () => {
    const w = await addWish(agora, owner, { title: 'Unreserve' });
    const link = await share(owner);
    const url = `/shared/${link.token}/wishes/${w.id}/reserve/`;
    expect((await call(undefined, 'POST', url)).statusCode).toBe(401);
    expect((await call(owner, 'POST', url)).statusCode).toBe(403);
    expect((await call(v1, 'POST', url)).statusCode).toBe(200);
    const notMine = await call(v2, 'DELETE', url);
    expect(notMine.statusCode).toBe(409);
    expect(notMine.json()).toEqual({ detail: 'You have not reserved this wish.' });
    expect((await call(v1, 'DELETE', url)).statusCode).toBe(204);
    expect((await call(owner, 'GET', `/wishes/${w.id}/`)).json()).toMatchObject({
      is_reserved: false,
      reserved_by: null,
    });
    expect((await call(v2, 'POST', url)).statusCode).toBe(200);
    const other = await addWish(agora, v1);
    expect((await call(v2, 'POST', `/shared/${link.token}/wishes/${other.id}/reserve/`)).statusCode).toBe(404);
    expect((await call(v2, 'POST', `/shared/${link.token}/wishes/abc/reserve/`)).statusCode).toBe(404);
    expect((await call(v2, 'POST', `/shared/not-a-token/wishes/${w.id}/reserve/`)).statusCode).toBe(404);
  });

  it('keeps a secret reservation when the owner PUTs back the wish as read; releasing it frees it', async () => {
    const w = await addWish(agora, owner, { title: 'Round trip', price: '5.00' });
    const link = await share(owner);
    const url = `/shared/${link.token}/wishes/${w.id}/reserve/`;
    expect((await call(v1, 'POST', url)).statusCode).toBe(200);
    const read = (await call(owner, 'GET', `/wishes/${w.id}/`)).json();
    expect(read.reserved_by).toBeNull();
    const put = await call(owner, 'PUT', `/wishes/${w.id}/`, { ...read, title: 'Round trip, renamed' });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ title: 'Round trip, renamed', is_reserved: true, reserved_by: null });
    const visitor = (await call(v1, 'GET', `/shared/${link.token}/`)).json();
    expect(visitor.wishes.find((x: { id: number }) => x.id === w.id)).toMatchObject({ reserved_by_me: true });
    expect((await call(v1, 'DELETE', url)).statusCode).toBe(204);

    expect((await call(v2, 'POST', url)).statusCode).toBe(200);
    const released = await call(owner, 'PATCH', `/wishes/${w.id}/`, { is_reserved: false });
    expect(released.json()).toMatchObject({ is_reserved: false, reserved_by: null });
    const after = (await call(v2, 'GET', `/shared/${link.token}/`)).json();
    expect(after.wishes.find((x: { id: number }) => x.id === w.id)).toMatchObject({
      is_reserved: false,
      reserved_by_me: false,
    });
    expect((await call(v1, 'POST', url)).statusCode).toBe(200);
  });

  it('keeps the original owner-writable is_reserved/reserved_by fields working', async () => {
    const w = await addWish(agora, owner);
    const res = await call(owner, 'PATCH', `/wishes/${w.id}/`, { is_reserved: true, reserved_by: v2.id });
    expect(res.json()).toMatchObject({ is_reserved: true, reserved_by: v2.id });
    const link = await share(owner);
    expect((await call(v1, 'POST', `/shared/${link.token}/wishes/${w.id}/reserve/`)).statusCode).toBe(409);
  });

  it('seeds two users with wishes and a shared list with a reservation, idempotently', async () => {
    const first = await agora.modules.find((m) => m.name === 'wishlist')!.seed!();
    const again = await agora.modules.find((m) => m.name === 'wishlist')!.seed!();
    const link = first
      .find((l) => l.includes('shared list'))!
      .split(' ')
      .pop()!;
    expect(again.find((l) => l.includes('shared list'))).toContain(link);
    const res = await agora.app.inject({ url: link });
    expect(res.statusCode).toBe(200);
    expect(res.json().owner.username).toBe('alice');
    expect(res.json().wishes.length).toBe(3);
    expect(res.json().wishes.filter((w: { is_reserved: boolean }) => w.is_reserved)).toHaveLength(1);
    const bob = await agora.identity.service.getUserByUsername('bob');
    const count = await agora.ctx.database.db.execute(
      `select count(*)::int as n from wishlist.wishes where user_id = '${bob!.id}'` as never,
    );
    expect(JSON.stringify(count)).toContain('"n":2');
  });
});
