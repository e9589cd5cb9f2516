import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { bearer, registerAndLogin } from '../helpers/identity.js';

const P = '/idp/api/v1';

describe('identity: rate limits', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp({
      RATE_LIMIT_USER_PER_MINUTE: '5',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '3',
      RATE_LIMIT_LOGIN_PER_IP: '1000',
    });
  });
  afterAll(async () => agora.app.close());

  it('limits each user on identity endpoints with 429, Retry-After and X-RateLimit headers', async () => {
    const u = await registerAndLogin(agora);
    const other = await registerAndLogin(agora);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await agora.app.inject({ url: `${P}/users/me`, headers: bearer(u.access) });
      statuses.push(last.statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.headers['x-ratelimit-limit']).toBe('5');
    expect(last!.headers['x-ratelimit-remaining']).toBe('0');
    expect(last!.json()).toEqual({ detail: 'Too many requests' });
    // another user has their own budget
    expect((await agora.app.inject({ url: `${P}/users/me`, headers: bearer(other.access) })).statusCode).toBe(200);
  });

  it('stops password guessing per account and IP, even with the right password', async () => {
    const u = await registerAndLogin(agora);
    const attempt = (password: string) =>
      agora.app.inject({ method: 'POST', url: `${P}/users/token`, payload: { login: u.username, password } });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong guess!')).statusCode).toBe(401);
    const blocked = await attempt(u.password);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // the same account from another address is not blocked
    const elsewhere = await agora.app.inject({
      method: 'POST',
      url: `${P}/users/token`,
      payload: { login: u.username, password: u.password },
      remoteAddress: '10.9.8.7',
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('a successful login clears the failure count', async () => {
    const u = await registerAndLogin(agora);
    const attempt = (password: string) =>
      agora.app.inject({ method: 'POST', url: `${P}/users/token`, payload: { login: u.username, password } });
    for (let i = 0; i < 2; i++) expect((await attempt('wrong guess!')).statusCode).toBe(401);
    expect((await attempt(u.password)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await attempt('wrong guess!')).statusCode).toBe(401);
    expect((await attempt(u.password)).statusCode).toBe(200);
  });
});

describe('identity: login limit per IP', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp({ RATE_LIMIT_LOGIN_PER_IP: '4' });
  });
  afterAll(async () => agora.app.close());

  it('caps login attempts from one address across accounts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await agora.app.inject({
        method: 'POST',
        url: `${P}/users/token`,
        payload: { login: `someone${i}`, password: 'guess guess' },
        remoteAddress: '10.1.2.3',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });
});
