import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { authorizationRequest, listeningAgora, relyingParty } from './providers/agora-op.js';
import { Jar, visit } from './providers/browser.js';

/**
 * The OpenID provider's own endpoints are not in the OpenAPI document (oidc-provider serves them), so the route
 * walk of test/fuzz.test.ts does not reach them: the same kind of walk, over real HTTP. No answer may be a 5xx.
 */
const JUNK = ['', 'x', '-1', 'a'.repeat(5000), '%FF', '%ED%A0%80', '%00', '{}', '[]', 'null', '..%2F..%2Fetc'];
const BODIES: [string, string | Buffer][] = [
  ['application/x-www-form-urlencoded', 'grant_type=authorization_code&code=x&code_verifier=y&redirect_uri=z'],
  ['application/x-www-form-urlencoded', 'grant_type=refresh_token&refresh_token=%00'],
  ['application/x-www-form-urlencoded', 'client_id=a%00b&client_secret=x&token=y'],
  ['application/x-www-form-urlencoded', `state=${'s'.repeat(60_000)}`],
  ['application/x-www-form-urlencoded', 'a=%ZZ&b'],
  ['application/x-www-form-urlencoded', Buffer.from([0x63, 0x3d, 0xc3, 0x28, 0xff])],
  ['application/json', '{"broken": '],
  ['application/json', '{"grant_type":["a","b"],"client_id":{"$ne":1}}'],
  ['text/plain', 'hello'],
  ['multipart/form-data; boundary=x', '--x\r\ngarbage'],
];

describe('the OpenID provider’s endpoints never answer 5xx to bad input', () => {
  let agora: Agora;
  let base: string;
  let clientId: string;
  let authorize: URL;
  beforeAll(async () => {
    let issuer: string;
    ({ agora, base, issuer } = await listeningAgora({ RATE_LIMIT_ENABLED: 'false' }));
    const rp = await relyingParty(agora, issuer);
    clientId = rp.client.client_id;
    authorize = (await authorizationRequest(rp.config, rp.redirectUri)).url;
  });
  afterAll(async () => agora.app.close());

  it('walks discovery, authorization, resume, token, userinfo, revocation, end-session and the pages', async () => {
    const failures: string[] = [];
    let requests = 0;
    const send = async (path: string, init: RequestInit = {}, jar = new Jar()) => {
      requests++;
      const res = await visit(new URL(path, base), jar, init).catch((err: Error) => ({ status: 599, err }));
      if (res.status >= 500) failures.push(`${init.method ?? 'GET'} ${path.slice(0, 120)} → ${res.status}`);
      return res;
    };
    const paths = [
      '/idp/.well-known/openid-configuration',
      '/idp/oidc/auth',
      '/idp/oidc/auth/junk-uid',
      '/idp/oidc/token',
      '/idp/oidc/me',
      '/idp/oidc/jwks',
      '/idp/oidc/token/revocation',
      '/idp/oidc/session/end',
      '/idp/oidc/session/end/confirm',
      '/idp/oidc/session/end/success',
      '/idp/oidc/reg',
      '/idp/oidc/nothing-here',
      '/idp/oidc/interaction/junk',
      '/idp/oidc/interaction/junk/login',
      '/idp/oidc/interaction/junk/confirm',
      '/idp/oidc/interaction/junk/abort',
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
        await send(path, { method });
        for (const v of JUNK) await send(`${path}?client_id=${v}&redirect_uri=${v}&state=${v}`, { method });
      }
      for (const [type, body] of BODIES)
        await send(path, { method: 'POST', headers: { 'content-type': type }, body: body as RequestInit['body'] });
      await send(path, { headers: { authorization: 'Bearer garbage' } });
      await send(path, { method: 'POST', headers: { authorization: 'Basic %%%' } });
    }
    // a real client, each parameter of its authorization request spoiled in turn
    for (const name of [...authorize.searchParams.keys(), 'prompt', 'max_age', 'claims', 'request', 'response_mode']) {
      for (const v of JUNK) {
        const params = new URLSearchParams(authorize.search);
        params.delete(name);
        await send(`${authorize.pathname}?${params}&${name}=${v}`);
      }
    }
    await send(`/idp/oidc/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:wrong`).toString('base64')}`,
      },
      body: 'grant_type=authorization_code&code=nope&code_verifier=nope&redirect_uri=http://rp.test/callback',
    });
    expect(requests).toBeGreaterThan(1000);
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  }, 600_000);
});
