import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { call, chatWith, post, signup, type Client } from './helpers.js';

describe('messenger: chats, members, messages and cached history', () => {
  let agora: Agora;
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    agora = await testApp({ MESSENGER_RATE_LIMIT_ENABLED: 'false' });
    alice = await signup(agora);
    bob = await signup(agora);
  });
  afterAll(async () => agora.app.close());

  const history = (client: Client, chatId: string, query: string) =>
    call(agora, 'GET', `/v1/chats/${chatId}/messages?${query}`, { client });

  it('creates a chat, joins it and posts; ids are strings; validation gives bad-parameters', async () => {
    const { chatId, memberId } = await chatWith(agora, alice);
    expect(typeof chatId).toBe('string');
    expect(memberId).toMatch(/^\d+$/);
    const id = await post(agora, alice, chatId, memberId, 'hello');
    expect(id).toMatch(/^\d+$/);
    for (const body of [{}, { chat_name: '' }, { chat_name: 'x'.repeat(256) }]) {
      const res = await call(agora, 'POST', '/v1/chats', { client: alice, body });
      expect([res.status, res.json()]).toEqual([400, { message: 'bad-parameters' }]);
    }
    const noName = await call(agora, 'POST', `/v1/chats/${chatId}/users`, { client: alice, body: {} });
    expect([noName.status, noName.json()]).toEqual([400, { message: 'bad-parameters' }]);
    const noText = await call(agora, 'POST', `/v1/chats/${chatId}/messages?user_id=${memberId}`, {
      client: alice,
      body: {},
    });
    expect([noText.status, noText.json()]).toEqual([400, { message: 'bad-parameters' }]);
  });

  it('answers chat-not-found for unknown chats and user-not-found for a bad membership', async () => {
    const { chatId, memberId } = await chatWith(agora, alice);
    for (const bad of ['00000000-0000-0000-0000-000000000000', 'nope', '123']) {
      const join = await call(agora, 'POST', `/v1/chats/${bad}/users`, { client: alice, body: { user_name: 'a' } });
      expect([join.status, join.json()]).toEqual([404, { message: 'chat-not-found' }]);
      const msg = await call(agora, 'POST', `/v1/chats/${bad}/messages?user_id=${memberId}`, {
        client: alice,
        body: { message: 'x' },
      });
      expect([msg.status, msg.json()]).toEqual([404, { message: 'chat-not-found' }]);
    }
    for (const uid of ['', 'abc', '999999999', memberId]) {
      // memberId is alice's: bob may not post under it
      const res = await call(agora, 'POST', `/v1/chats/${chatId}/messages?user_id=${uid}`, {
        client: bob,
        body: { message: 'x' },
      });
      expect([res.status, res.json()], uid).toEqual([404, { message: 'user-not-found' }]);
    }
    const missing = await call(agora, 'POST', `/v1/chats/${chatId}/messages`, {
      client: alice,
      body: { message: 'x' },
    });
    expect([missing.status, missing.json()]).toEqual([404, { message: 'user-not-found' }]);
  });

  it('keeps non-members out: reading answers chat-not-found, posting user-not-found', async () => {
    const { chatId, memberId } = await chatWith(agora, alice);
    await post(agora, alice, chatId, memberId, 'secret');
    const read = await history(bob, chatId, 'limit=10');
    expect([read.status, read.json()]).toEqual([404, { message: 'chat-not-found' }]);
    // a membership of another chat does not open this one
    const other = await chatWith(agora, bob);
    const res = await call(agora, 'POST', `/v1/chats/${chatId}/messages?user_id=${other.memberId}`, {
      client: bob,
      body: { message: 'x' },
    });
    expect([res.status, res.json()]).toEqual([404, { message: 'user-not-found' }]);
    // once bob joins, he reads
    await call(agora, 'POST', `/v1/chats/${chatId}/users`, { client: bob, body: { user_name: 'bob' } });
    expect((await history(bob, chatId, 'limit=10')).json().messages).toEqual([{ text: 'secret' }]);
  });

  it('validates limit (digits, 1..1000) and the cursor', async () => {
    const { chatId, memberId } = await chatWith(agora, alice);
    await post(agora, alice, chatId, memberId, 'a');
    const other = await chatWith(agora, alice);
    const elsewhere = await post(agora, alice, other.chatId, other.memberId, 'b');
    for (const q of ['', 'limit=0', 'limit=1001', 'limit=-1', 'limit=abc', 'limit=1.5', 'limit=x&from=abc']) {
      const res = await history(alice, chatId, q);
      expect([res.status, res.json()], q).toEqual([400, { message: 'bad-parameters' }]);
    }
    // the contract: an unknown `from` is bad-cursor, whatever it looks like
    for (const from of ['999999999', '1', elsewhere, 'abc', 'x', '0', '-1', '1.5', '%00', '9'.repeat(40)]) {
      const res = await history(alice, chatId, `limit=10&from=${from}`);
      expect([res.status, res.json()], from).toEqual([400, { message: 'bad-cursor' }]);
    }
    expect((await history(alice, chatId, 'limit=1000')).status).toBe(200);
  });

  it('pages newest first with an exclusive cursor and always a next.iterator', async () => {
    const { chatId, memberId } = await chatWith(agora, alice);
    const empty = await history(alice, chatId, 'limit=5');
    expect(empty.json()).toEqual({ messages: [], next: { iterator: '' } });
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await post(agora, alice, chatId, memberId, `m${i}`));
    const p1 = (await history(alice, chatId, 'limit=2')).json();
    expect(p1).toEqual({ messages: [{ text: 'm5' }, { text: 'm4' }], next: { iterator: ids[3] } });
    const p2 = (await history(alice, chatId, `limit=2&from=${p1.next.iterator}`)).json();
    expect(p2.messages).toEqual([{ text: 'm3' }, { text: 'm2' }]);
    const p3 = (await history(alice, chatId, `limit=2&from=${p2.next.iterator}`)).json();
    expect(p3).toEqual({ messages: [{ text: 'm1' }], next: { iterator: ids[0] } });
    const p4 = (await history(alice, chatId, `limit=2&from=${p3.next.iterator}`)).json();
    expect(p4.messages).toEqual([]);
    expect(typeof p4.next.iterator).toBe('string');
  });

  it('serves history from the cache and invalidates it on a new message in that chat only', async () => {
    const a = await chatWith(agora, alice);
    const b = await chatWith(agora, alice);
    await post(agora, alice, a.chatId, a.memberId, 'one');
    await post(agora, alice, b.chatId, b.memberId, 'b-one');
    const metric = async (result: string) => {
      const text = await agora.ctx.metrics.registry.metrics();
      return Number(new RegExp(`messenger_history_cache_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    };
    const h0 = await metric('hit');
    const m0 = await metric('miss');
    expect((await history(alice, a.chatId, 'limit=10')).json().messages).toEqual([{ text: 'one' }]);
    const q0 = agora.ctx.database.queryCount();
    expect((await history(alice, a.chatId, 'limit=10')).json().messages).toEqual([{ text: 'one' }]);
    expect(agora.ctx.database.queryCount()).toBe(q0); // a warm read touches no table
    expect(await metric('hit')).toBe(h0 + 1);
    expect(await metric('miss')).toBe(m0 + 1);
    await history(alice, b.chatId, 'limit=10');
    await post(agora, alice, a.chatId, a.memberId, 'two');
    expect((await history(alice, a.chatId, 'limit=10')).json().messages).toEqual([{ text: 'two' }, { text: 'one' }]);
    const hits = await metric('hit');
    await history(alice, b.chatId, 'limit=10'); // the other chat's page is still cached
    expect(await metric('hit')).toBe(hits + 1);
  });

  it('never serves a cached page to a non-member', async () => {
    const { chatId, memberId } = await chatWith(agora, alice);
    await post(agora, alice, chatId, memberId, 'private');
    expect((await history(alice, chatId, 'limit=10')).status).toBe(200);
    const res = await history(bob, chatId, 'limit=10');
    expect([res.status, res.json()]).toEqual([404, { message: 'chat-not-found' }]);
  });

  it('walks 1,000 messages while another client posts: every old message exactly once', async () => {
    const { chatId, memberId } = await chatWith(agora, alice);
    const other = await call(agora, 'POST', `/v1/chats/${chatId}/users`, { client: bob, body: { user_name: 'bob' } });
    await agora.ctx.database.exec(`insert into messenger.messages (chat_id, member_id, text, tsv)
      select '${chatId}', ${Number(memberId)}, 'old ' || g, to_tsvector('simple', 'old ' || g) from generate_series(1, 1000) g`);
    let posting = true;
    let posted = 0;
    const poster = (async () => {
      while (posting) {
        await post(agora, bob, chatId, other.json().user_id, `new ${posted++}`);
      }
    })();
    const seen: string[] = [];
    let from = '';
    for (;;) {
      const page = (await history(alice, chatId, `limit=37${from ? `&from=${from}` : ''}`)).json();
      if (!page.messages.length) break;
      seen.push(...page.messages.map((m: { text: string }) => m.text));
      from = page.next.iterator;
      await new Promise((r) => setImmediate(r));
    }
    posting = false;
    await poster;
    expect(posted).toBeGreaterThan(0);
    const old = seen.filter((t) => t.startsWith('old '));
    expect(old).toHaveLength(1000);
    expect(new Set(old).size).toBe(1000);
    expect(old[0]).toBe('old 1000');
    expect(old.at(-1)).toBe('old 1');
  });
});
