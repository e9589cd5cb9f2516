import { sql } from 'drizzle-orm';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { bearer, registerAndLogin, type TestUser } from '../helpers/identity.js';
import { authorizationRequest, listeningAgora, relyingParty, signInOnAgora } from './providers/agora-op.js';
import { Jar, visit } from './providers/browser.js';

const rowsOf = (r: unknown) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows);

describe('Agora as an OpenID provider: openid-client completes code + PKCE and reads userinfo', () => {
  let agora: Agora;
  let issuer: string;
  let base: string;
  let rp: Awaited<ReturnType<typeof relyingParty>>;
  let user: TestUser;
  beforeAll(async () => {
    ({ agora, issuer, base } = await listeningAgora());
    rp = await relyingParty(agora, issuer);
    user = await registerAndLogin(agora);
  });
  afterAll(async () => agora.app.close());

  async function signIn(jar = new Jar()) {
    const { url, checks } = await authorizationRequest(rp.config, rp.redirectUri);
    const callback = await signInOnAgora(url, rp.redirectUri, { login: user.username, password: user.password }, jar);
    return oidc.authorizationCodeGrant(rp.config, callback, checks);
  }

  it('publishes discovery at <identity>/.well-known/openid-configuration: code only, PKCE S256', async () => {
    const meta = rp.config.serverMetadata();
    expect(meta.issuer).toBe(issuer);
    expect(meta.authorization_endpoint).toBe(`${issuer}/oidc/auth`);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.end_session_endpoint).toBe(`${issuer}/oidc/session/end`);
    const jwks = (await (await fetch(meta.jwks_uri!)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]!.d).toBeUndefined();
  });

  it('code + PKCE → ID token (checked by openid-client) → userinfo → refresh', async () => {
    const tokens = await signIn();
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ sub: user.id, iss: issuer, email: user.email, preferred_username: user.username });
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id);
    expect(info).toMatchObject({
      sub: user.id,
      email: user.email,
      email_verified: false,
      preferred_username: user.username,
    });
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
  });

  it('the login page sits behind the Agora session: the OpenID login opened one', async () => {
    await signIn();
    const sessions = await agora.app.inject({ url: '/idp/api/v1/users/sessions', headers: bearer(user.access) });
    expect(sessions.json().some((s: { clients: Record<string, string> }) => 'oidc' in s.clients)).toBe(true);
  });

  it('logout of the Agora session makes the client’s refresh (and userinfo) fail', async () => {
    const tokens = await signIn();
    expect((await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).access_token).toBeTruthy();
    const kinds = async () =>
      rowsOf(
        await agora.ctx.database.db.execute(
          sql`select distinct kind from identity.oidc_models where payload::jsonb->>'accountId' = ${user.id} order by kind`,
        ),
      );
    expect(await kinds()).toEqual(
      ['AccessToken', 'AuthorizationCode', 'Grant', 'RefreshToken', 'Session'].map((kind) =>
        expect.objectContaining({ kind }),
      ),
    );
    const logout = await agora.app.inject({
      method: 'POST',
      url: '/idp/api/v1/users/logout/all',
      headers: bearer(user.access),
      payload: { keep_api_keys: true },
    });
    expect(logout.statusCode).toBe(204);
    const refresh = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!).catch((e: unknown) => e);
    expect(refresh).toBeInstanceOf(oidc.ResponseBodyError);
    expect((refresh as oidc.ResponseBodyError).error).toBe('invalid_grant');
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, user.id).catch((e: unknown) => e);
    expect(info).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    // the grant itself is gone, with its tokens and the OpenID session
    expect(await kinds()).toEqual([]);
    user = { ...user, ...(await relogin(user)) };
  });

  it('signing out at the end-session endpoint ends the Agora session too', async () => {
    const jar = new Jar();
    const tokens = await signIn(jar);
    const end = oidc.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, client_id: rp.client.client_id });
    const question = await visit(end, jar);
    expect(question.status).toBe(200);
    const html = await question.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const action = /action="([^"]+)"/.exec(html)![1]!;
    const confirm = await visit(new URL(action, base), jar, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }),
    });
    expect(confirm.status).toBe(303);
    const refresh = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!).catch((e: unknown) => e);
    expect((refresh as oidc.ResponseBodyError).error).toBe('invalid_grant');
    const live = await agora.app.inject({ url: '/idp/api/v1/users/sessions', headers: bearer(user.access) });
    expect(live.json().some((s: { clients: Record<string, string> }) => 'oidc' in s.clients)).toBe(false);
  });

  it('a wrong password stays on the login page (401) and counts in the one login guard', async () => {
    const { url } = await authorizationRequest(rp.config, rp.redirectUri);
    const jar = new Jar();
    let res = await visit(url, jar);
    const page = new URL(res.headers.get('location')!, url);
    res = await visit(page, jar);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await res.text();
    expect(html).toContain('Test RP');
    const action = /action="([^"]+)"/.exec(html)![1]!;
    const wrong = await visit(new URL(action, url), jar, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: user.username, password: 'not the password' }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong username, email or password.');
  });

  it('redirect URIs are matched exactly: any other is refused at the provider, never redirected to', async () => {
    for (const other of ['http://rp.test/callback/', 'http://rp.test/callback?x=1', 'http://evil.test/callback']) {
      const { url } = await authorizationRequest(rp.config, other);
      const res = await visit(url, new Jar());
      expect(res.status, other).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toMatch(/redirect_uri/);
    }
  });

  it('PKCE is required: an authorization request without it is refused', async () => {
    const url = oidc.buildAuthorizationUrl(rp.config, { redirect_uri: rp.redirectUri, scope: 'openid' });
    const res = await visit(url, new Jar());
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/requires PKCE/);
  });

  async function relogin(u: TestUser) {
    const res = await agora.app.inject({
      method: 'POST',
      url: '/idp/api/v1/users/token',
      payload: { login: u.username, password: u.password },
    });
    return { access: res.json().access_token as string, refresh: res.json().refresh_token as string };
  }
});
