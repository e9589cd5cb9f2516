import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { registerAndLogin, type TestUser } from '../helpers/identity.js';

/** Every password login route of every module goes through identity's one login guard. */
describe('one login guard across modules', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp({
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '10',
      RATE_LIMIT_LOGIN_PER_ACCOUNT_ALL_IPS: '100',
      RATE_LIMIT_LOGIN_PER_IP: '1000',
    });
  });
  afterAll(async () => agora.app.close());
  afterEach(() => vi.useRealTimers());

  const routes = {
    identity: (u: TestUser, password: string) =>
      agora.app.inject({ method: 'POST', url: '/idp/api/v1/users/token', payload: { login: u.username, password } }),
    wishlist: (u: TestUser, password: string) =>
      agora.app.inject({ method: 'POST', url: '/wishlist/api/login/', payload: { username: u.username, password } }),
    messenger: (u: TestUser, password: string) =>
      agora.app.inject({
        method: 'POST',
        url: '/messenger/v1/auth/login',
        payload: { user_name: u.username, password },
      }),
    backoffice: (u: TestUser, password: string) =>
      agora.app.inject({ method: 'POST', url: '/backoffice/auth/token/', payload: { email: u.email, password } }),
  };
  const names = Object.keys(routes) as (keyof typeof routes)[];

  it('50 wrong passwords in any mix lock the account on every route, the right password included', async () => {
    const u = await registerAndLogin(agora);
    for (const name of names) expect((await routes[name](u, u.password)).statusCode).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++)
      statuses.push((await routes[names[(i * 7) % names.length]!](u, `wrong guess ${i}`)).statusCode);
    // the first ten failures are the contracts' own answers; from then on every route says 429
    expect(statuses.slice(0, 10).every((s) => s === 400 || s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual(Array(40).fill(429));
    for (const name of names) {
      const right = await routes[name](u, u.password);
      expect(right.statusCode, name).toBe(429);
      expect(Number(right.headers['retry-after']), name).toBeGreaterThan(0);
    }
    // when the lock ends (the 15-minute window has passed), the right password works again everywhere
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31 * 60 * 1000 });
    for (const name of names) expect((await routes[name](u, u.password)).statusCode, name).toBe(200);
  });

  it("the messenger's unknown-user and bad-password answers are throttled alike", async () => {
    const ghost = { username: `ghost${Date.now()}`, password: 'x' } as TestUser;
    const unknown: number[] = [];
    for (let i = 0; i < 12; i++) unknown.push((await routes.messenger(ghost, `guess ${i}`)).statusCode);
    expect(unknown.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(unknown.slice(10)).toEqual([429, 429]);
    const u = await registerAndLogin(agora);
    const known: number[] = [];
    for (let i = 0; i < 12; i++) known.push((await routes.messenger(u, `guess ${i}`)).statusCode);
    expect(known.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(known.slice(10)).toEqual([429, 429]);
    const body = (await routes.messenger(u, u.password)).json();
    expect(body).toEqual({ message: 'request-limit-exceeded' });
  });

  it('guesses spread over many addresses hit the per-account limit of all addresses', async () => {
    const u = await registerAndLogin(agora);
    for (let i = 0; i < 100; i++) {
      const res = await agora.app.inject({
        method: 'POST',
        url: '/idp/api/v1/users/token',
        payload: { login: u.username, password: 'nope nope' },
        remoteAddress: `10.1.${Math.floor(i / 5)}.${i % 5}`,
      });
      expect(res.statusCode).toBe(401);
    }
    const fresh = await agora.app.inject({
      method: 'POST',
      url: '/idp/api/v1/users/token',
      payload: { login: u.username, password: u.password },
      remoteAddress: '10.200.0.1',
    });
    expect(fresh.statusCode).toBe(429);
  });

  it('an email login and a username login count against one account', async () => {
    const u = await registerAndLogin(agora);
    for (let i = 0; i < 10; i++) {
      const login = i % 2 ? u.email : u.username.toUpperCase();
      await agora.app.inject({
        method: 'POST',
        url: '/idp/api/v1/users/token',
        payload: { login, password: 'nope nope' },
      });
    }
    expect((await routes.identity(u, u.password)).statusCode).toBe(429);
  });
});
