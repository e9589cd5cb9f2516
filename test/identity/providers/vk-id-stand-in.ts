import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VkUser {
  user_id: string;
  first_name: string;
  last_name: string;
  email?: string;
}

/**
 * A local stand-in for VK ID serving its documented OAuth 2.1 endpoints:
 * - GET /authorize (response_type=code, client_id, redirect_uri, state, code_challenge, code_challenge_method=S256,
 *   scope) → the redirect URI with code, state, device_id, expires_in, type=code_v2 (the user "agrees" at once);
 * - POST /oauth2/auth (grant_type=authorization_code, code, code_verifier, redirect_uri, client_id, device_id,
 *   state) → {access_token, refresh_token, id_token, token_type, expires_in, user_id, state, scope}; PKCE is
 *   required and checked, codes are single-use;
 * - POST /oauth2/user_info (client_id, access_token) → {user: {user_id, first_name, last_name, email, …}}.
 * Errors are VK's `{error, error_description}` with status 400 (401 for a bad access token).
 */
export async function vkIdStandIn(client: { clientId: string; redirectUri: string }) {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const behaviour: { user: VkUser; deny: boolean } = {
    user: { user_id: '1', first_name: 'Ivan', last_name: 'Petrov' },
    deny: false,
  };
  const codes = new Map<
    string,
    { challenge: string; redirectUri: string; deviceId: string; state: string; user: VkUser; used: boolean }
  >();
  const tokens = new Map<string, VkUser>();
  const requests: { path: string; params: Record<string, string> }[] = [];
  const token = () => randomBytes(24).toString('base64url');

  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const fail = (res: ServerResponse, error: string, description: string, status = 400) =>
    json(res, status, { error, error_description: description });

  function authorize(q: URLSearchParams, res: ServerResponse) {
    if (q.get('client_id') !== client.clientId) return fail(res, 'invalid_client', 'unknown client_id');
    if (q.get('redirect_uri') !== client.redirectUri) return fail(res, 'invalid_request', 'redirect_uri mismatch');
    if (q.get('response_type') !== 'code') return fail(res, 'unsupported_response_type', 'code only');
    if (!q.get('code_challenge') || q.get('code_challenge_method')?.toLowerCase() !== 's256')
      return fail(res, 'invalid_request', 'PKCE with code_challenge_method=s256 is required');
    const back = new URL(client.redirectUri);
    back.searchParams.set('state', q.get('state') ?? '');
    if (behaviour.deny) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'User denied access');
    } else {
      const code = token();
      const deviceId = token();
      codes.set(code, {
        challenge: q.get('code_challenge')!,
        redirectUri: q.get('redirect_uri')!,
        deviceId,
        state: q.get('state') ?? '',
        user: behaviour.user,
        used: false,
      });
      back.searchParams.set('code', code);
      back.searchParams.set('expires_in', '600');
      back.searchParams.set('device_id', deviceId);
      back.searchParams.set('type', 'code_v2');
    }
    res.writeHead(302, { location: back.toString() }).end();
  }

  function exchange(p: Record<string, string>, res: ServerResponse) {
    if (p.grant_type !== 'authorization_code') return fail(res, 'unsupported_grant_type', 'authorization_code only');
    if (p.client_id !== client.clientId) return fail(res, 'invalid_client', 'unknown client_id');
    const code = codes.get(p.code ?? '');
    if (!code || code.used) return fail(res, 'invalid_grant', 'code is invalid or already used');
    code.used = true;
    if (!p.code_verifier) return fail(res, 'invalid_request', 'code_verifier is required');
    const challenge = createHash('sha256').update(p.code_verifier).digest('base64url');
    if (challenge !== code.challenge) return fail(res, 'invalid_grant', 'code_verifier does not match');
    if (p.redirect_uri !== code.redirectUri) return fail(res, 'invalid_grant', 'redirect_uri mismatch');
    if (p.device_id !== code.deviceId) return fail(res, 'invalid_grant', 'device_id mismatch');
    const access = token();
    tokens.set(access, code.user);
    json(res, 200, {
      refresh_token: token(),
      access_token: access,
      id_token: `${token()}.${token()}.${token()}`,
      token_type: 'Bearer',
      expires_in: 3600,
      user_id: Number(code.user.user_id),
      state: p.state ?? code.state,
      scope: 'vkid.personal_info email',
    });
  }

  function userInfo(p: Record<string, string>, res: ServerResponse) {
    if (p.client_id !== client.clientId) return fail(res, 'invalid_client', 'unknown client_id');
    const user = tokens.get(p.access_token ?? '');
    if (!user) return fail(res, 'invalid_token', 'access token is invalid', 401);
    json(res, 200, { user: { ...user, avatar: 'https://vk.test/a.jpg', sex: 2, verified: false, birthday: '' } });
  }

  async function form(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
  }

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', base);
    if (req.method === 'GET' && url.pathname === '/authorize') {
      requests.push({ path: url.pathname, params: Object.fromEntries(url.searchParams) });
      return authorize(url.searchParams, res);
    }
    if (req.method !== 'POST') return fail(res, 'invalid_request', 'not found', 404);
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
      return fail(res, 'invalid_request', 'form body expected');
    void form(req).then((p) => {
      requests.push({ path: url.pathname, params: p });
      if (url.pathname === '/oauth2/auth') return exchange(p, res);
      if (url.pathname === '/oauth2/user_info') return userInfo(p, res);
      fail(res, 'invalid_request', 'not found', 404);
    });
  });

  return {
    base,
    behaviour,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
