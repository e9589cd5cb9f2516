import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { memoryCache } from '../../src/platform/cache/cache.js';
import { memoryRateLimiter } from '../../src/platform/ratelimit/rate-limiter.js';
import { metricValue } from '../jobs/helpers.js';
import { call, chatWith, P, post, signup, type Client } from './helpers.js';

const NUL = '\u0000';

describe('messenger: hostile input and the prefix', () => {
  let agora: Agora;
  let alice: Client;
  beforeAll(async () => {
    agora = await testApp({ MESSENGER_RATE_LIMIT_ENABLED: 'false' });
    alice = await signup(agora);
  });
  afterAll(async () => agora.app.close());

  it('answers bad-parameters to a NUL character in any text field', async () => {
    const { chatId, memberId } = await chatWith(agora, alice);
    const cases: [string, string, Record<string, unknown>][] = [
      ['/v1/auth/register', 'register', { user_name: `a${NUL}b`, password: 'pw-123456' }],
      ['/v1/auth/register', 'register password', { user_name: 'nul-pw', password: `p${NUL}w` }],
      ['/v1/auth/login', 'login', { user_name: `${alice.name}${NUL}`, password: 'pw-123456' }],
      ['/v1/chats', 'chat_name', { chat_name: `chat${NUL}` }],
      [`/v1/chats/${chatId}/users`, 'user_name', { user_name: `${NUL}` }],
      [`/v1/chats/${chatId}/messages?user_id=${memberId}`, 'message', { message: `hi${NUL}there` }],
      ['/v1/chats/search', 'search', { message: `find${NUL}this` }],
      ['/v1/chats', 'a NUL in an ignored field', { chat_name: 'fine', [`x${NUL}`]: 1 }],
    ];
    for (const [path, what, body] of cases) {
      const res = await call(agora, 'POST', path, { client: alice, body });
      expect([res.status, res.json()], what).toEqual([400, { message: 'bad-parameters' }]);
    }
    // an escaped backslash before "u0000" is no NUL: plain text
    const text = String.raw`\u0000 is not a NUL here`;
    await post(agora, alice, chatId, memberId, text);
    const page = (await call(agora, 'GET', `/v1/chats/${chatId}/messages?limit=1`, { client: alice })).json();
    expect(page.messages).toEqual([{ text }]);
  });

  it('answers 401 before 404 or 405 for the prefix itself and for any method under it', async () => {
    const anonymous = [
      ['GET', P],
      ['GET', `${P}/`],
      ['POST', P],
      ['OPTIONS', `${P}/nope`],
      ['OPTIONS', P],
      ['DELETE', `${P}/v1/chats`],
      ['HEAD', `${P}/nope`],
    ] as const;
    for (const [method, url] of anonymous) {
      const res = await agora.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      if (method !== 'HEAD') expect(res.json(), `${method} ${url}`).toEqual({ message: 'auth-failed' });
    }
    for (const [method, url] of anonymous.filter(([m, u]) => m !== 'HEAD' && !u.endsWith('/v1/chats'))) {
      const res = await agora.app.inject({ method, url, headers: alice.auth });
      expect([res.statusCode, res.json()], `${method} ${url}`).toEqual([404, { message: 'not-found' }]);
    }
    // A known path under a method it lacks: 405 with Allow, once the session is good.
    const wrong = await agora.app.inject({ method: 'DELETE', url: `${P}/v1/chats`, headers: alice.auth });
    expect([wrong.statusCode, wrong.json(), wrong.headers.allow]).toEqual([
      405,
      { message: 'method-not-allowed' },
      'POST',
    ]);
    // A public path answers 405 without a session.
    const login = await agora.app.inject({ method: 'GET', url: `${P}/v1/auth/login` });
    expect([login.statusCode, login.json(), login.headers.allow]).toEqual([
      405,
      { message: 'method-not-allowed' },
      'POST',
    ]);
  });

  it('keeps answering CORS preflights under the prefix when CORS is configured', async () => {
    const cors = await testApp({ CORS_ORIGINS: 'https://app.example' });
    try {
      const preflight = await cors.app.inject({
        method: 'OPTIONS',
        url: `${P}/v1/chats`,
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
      const anonymous = await cors.app.inject({ method: 'GET', url: P, headers: { origin: 'https://app.example' } });
      expect([anonymous.statusCode, anonymous.json()]).toEqual([401, { message: 'auth-failed' }]);
      expect(anonymous.headers['access-control-allow-origin']).toBe('https://app.example');
    } finally {
      await cors.app.close();
    }
  });
});

describe('messenger: Redis failing', () => {
  let agora: Agora;
  let alice: Client;
  const bypassed = (component: string) =>
    metricValue(agora.ctx.metrics.registry, 'redis_bypassed_total', `component="${component}"`);
  // Stand-ins for Redis's stores, behind the platform's fail-safe wrapper as Redis is: the tests make them fail.
  const stores = { cache: memoryCache(), limiter: memoryRateLimiter() };
  beforeAll(async () => {
    agora = await testApp({ MESSENGER_RATE_LIMIT_PER_SECOND: '1000' }, { stores });
    alice = await signup(agora);
  });
  afterAll(async () => agora.app.close());

  it('lets requests through when the throttle cannot reach Redis', async () => {
    const { limiter } = stores;
    const real = limiter.hit;
    limiter.hit = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    };
    try {
      for (const path of ['/ping', '/ping_db']) expect((await call(agora, 'GET', path)).status, path).toBe(200);
      const chat = await call(agora, 'POST', '/v1/chats', { client: alice, body: { chat_name: 'no redis' } });
      expect(chat.status).toBe(201);
      expect(await bypassed('limiter')).toBeGreaterThanOrEqual(3);
    } finally {
      limiter.hit = real;
    }
  });

  it('reads history from the database while the cache fails, and serves no stale page once it is back', async () => {
    const { chatId, memberId } = await chatWith(agora, alice);
    const page = async () =>
      (await call(agora, 'GET', `/v1/chats/${chatId}/messages?limit=10`, { client: alice })).json().messages;
    await post(agora, alice, chatId, memberId, 'before');
    expect(await page()).toEqual([{ text: 'before' }]); // cached now
    // The messenger's entries live in a Redis that stopped answering (identity's keys are not its business).
    const { cache } = stores;
    const real = { get: cache.get, set: cache.set, del: cache.del };
    const failing =
      <A extends unknown[], R>(fn: (key: string, ...rest: A) => Promise<R>) =>
      (key: string, ...rest: A) =>
        key.startsWith('msgr:') ? Promise.reject(new Error('connect ECONNREFUSED')) : fn.call(cache, key, ...rest);
    Object.assign(cache, { get: failing(real.get), set: failing(real.set), del: failing(real.del) });
    try {
      await post(agora, alice, chatId, memberId, 'during');
      expect(await page()).toEqual([{ text: 'during' }, { text: 'before' }]);
      expect(await bypassed('cache')).toBeGreaterThanOrEqual(2);
    } finally {
      Object.assign(cache, real);
    }
    // Back: the page cached before the outage must not be served (the lost invalidation is replayed).
    await new Promise((r) => setTimeout(r, 5100)); // the bypass pause
    expect(await page()).toEqual([{ text: 'during' }, { text: 'before' }]);
    await post(agora, alice, chatId, memberId, 'after');
    expect(await page()).toEqual([{ text: 'after' }, { text: 'during' }, { text: 'before' }]);
  });

  it('keeps the public routes and accounts working with no Redis server at all', async () => {
    const down = await testApp({ REDIS_URL: 'redis://127.0.0.1:1', MESSENGER_RATE_LIMIT_PER_SECOND: '1000' });
    try {
      for (const path of ['/ping', '/ping_db']) expect((await call(down, 'GET', path)).status, path).toBe(200);
      const name = `noredis${Date.now()}`;
      const body = { user_name: name, password: 'pw-123456' };
      expect((await call(down, 'POST', '/v1/auth/register', { body })).status).toBe(201);
      expect((await call(down, 'POST', '/v1/auth/login', { body })).status).toBe(200);
    } finally {
      await down.app.close();
    }
  });
});
