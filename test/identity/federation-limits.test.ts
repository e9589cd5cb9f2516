import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { configFrom } from '../../src/config.js';
import { authorizationRequest, listeningAgora, relyingParty } from './providers/agora-op.js';
import { Jar, visit } from './providers/browser.js';

const rowsOf = (r: unknown) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Record<string, unknown>[];

describe('rate limits on the external-login steps and on the OpenID login page', () => {
  let agora: Agora;
  let issuer: string;
  beforeAll(async () => {
    ({ agora, issuer } = await listeningAgora({
      OAUTH_RATE_LIMIT_PER_MINUTE: '3',
      OAUTH_VK_CLIENT_ID: '5100',
      OAUTH_VK_AUTHORIZATION_URL: 'http://127.0.0.1:9/authorize',
      OAUTH_VK_TOKEN_URL: 'http://127.0.0.1:9/oauth2/auth',
      OAUTH_VK_USERINFO_URL: 'http://127.0.0.1:9/oauth2/user_info',
    }));
  });
  afterAll(async () => agora.app.close());

  it('the redirect and the callback: per IP, 429 with Retry-After past the limit', async () => {
    const from = (ip: string, url: string) => agora.app.inject({ url, remoteAddress: ip });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await from('10.0.0.1', '/idp/api/v1/auth/vk/')).statusCode);
    expect(statuses).toEqual([302, 302, 302]);
    const limited = await from('10.0.0.1', '/idp/api/v1/auth/vk/endpoint?state=x&code=y');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().detail).toBeTruthy();
    // another address is not held back
    expect((await from('10.0.0.2', '/idp/api/v1/auth/vk/endpoint?state=x&code=y')).statusCode).toBe(400);
  });

  it('the OpenID login page: per IP', async () => {
    const rp = await relyingParty(agora, issuer);
    const { url } = await authorizationRequest(rp.config, rp.redirectUri);
    const jar = new Jar();
    const page = new URL((await visit(url, jar)).headers.get('location')!, url);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await visit(page, jar)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('expired logins in flight and provider records are swept by the identity.oauth.flush-expired task', async () => {
    const db = agora.ctx.database.db;
    const count = async (table: string) =>
      Number(rowsOf(await db.execute(sql.raw(`select count(*)::int as n from identity.${table}`)))[0]!.n);
    await agora.app.inject({ url: '/idp/api/v1/auth/vk/', remoteAddress: '10.0.0.20' });
    const rp = await relyingParty(agora, issuer);
    await visit((await authorizationRequest(rp.config, rp.redirectUri)).url, new Jar());
    expect(await count('oauth_states')).toBeGreaterThan(0);
    expect(await count('oidc_models')).toBeGreaterThan(0);
    await db.execute(sql`update identity.oauth_states set expires_at = now() - interval '1 minute'`);
    await db.execute(sql`update identity.oidc_models set expires_at = now() - interval '1 minute'`);
    const task = agora.modules
      .find((m) => m.name === 'identity')!
      .tasks!.find((t) => t.name === 'identity.oauth.flush-expired')!;
    const swept = (await task.run()) as { states: number; oidc: number };
    expect(swept.states).toBeGreaterThan(0);
    expect(swept.oidc).toBeGreaterThan(0);
    expect(await count('oauth_states')).toBe(0);
    expect(await count('oidc_models')).toBe(0);
  });

  it('a provider that cannot be reached is a 502 with a clear message, not a 500', async () => {
    const start = await agora.app.inject({ url: '/idp/api/v1/auth/vk/', remoteAddress: '10.0.0.9' });
    const state = new URL(start.headers.location!).searchParams.get('state')!;
    const cookie = String(start.headers['set-cookie']).split(';')[0]!;
    const res = await agora.app.inject({
      url: `/idp/api/v1/auth/vk/endpoint?code=c&state=${state}&device_id=d`,
      headers: { cookie },
      remoteAddress: '10.0.0.9',
    });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ detail: 'vk could not be reached; try again later' });
  });
});

describe('federation and OpenID provider configuration', () => {
  const prod = { AGORA_ENV: 'production', JWT_SECRET: 'a-production-secret-of-more-than-32-chars!' } as const;

  it('production needs PUBLIC_URL and https providers for external login', () => {
    expect(() => configFrom({ ...prod, OAUTH_GOOGLE_CLIENT_ID: 'x' })).toThrow(/needs PUBLIC_URL/);
    expect(() =>
      configFrom({
        ...prod,
        PUBLIC_URL: 'https://agora.example',
        OAUTH_VK_CLIENT_ID: 'x',
        OAUTH_VK_TOKEN_URL: 'http://id.vk.test/oauth2/auth',
      }),
    ).toThrow(/OAUTH_VK_TOKEN_URL must be an https URL/);
    expect(configFrom({ ...prod, PUBLIC_URL: 'https://agora.example', OAUTH_GOOGLE_CLIENT_ID: 'x' })).toBeTruthy();
  });

  it('OIDC_PROVIDER=on refuses to start in production without a signing key and an issuer', () => {
    expect(() => configFrom({ ...prod, OIDC_PROVIDER: 'on' })).toThrow(/needs JWT_PRIVATE_KEY_FILE/);
    expect(() => configFrom({ ...prod, OIDC_PROVIDER: 'on' })).toThrow(/needs PUBLIC_URL/);
  });
});
