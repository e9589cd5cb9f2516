import type { Agora } from '../../src/app.js';
import { unique } from './app.js';

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
  access: string;
  refresh: string;
}

const PREFIX = '/idp/api/v1';

/** Registers a user through the HTTP API and logs in; `admin` makes them a superuser first. */
export async function registerAndLogin(
  agora: Agora,
  opts: { admin?: boolean; prefix?: string } = {},
): Promise<TestUser> {
  const prefix = opts.prefix ?? PREFIX;
  const username = unique('user');
  const email = `${username}@example.test`;
  const password = 'correct horse battery';
  const reg = await agora.app.inject({
    method: 'POST',
    url: `${prefix}/users/`,
    payload: { username, email, password },
  });
  if (reg.statusCode !== 201) throw new Error(`register failed: ${reg.statusCode} ${reg.body}`);
  const id = reg.json<{ id: string }>().id;
  if (opts.admin) await agora.identity.service.ensureSuperuser({ username, password });
  const tok = await agora.app.inject({
    method: 'POST',
    url: `${prefix}/users/token`,
    payload: { login: username, password },
  });
  if (tok.statusCode !== 200) throw new Error(`login failed: ${tok.statusCode} ${tok.body}`);
  const { access_token, refresh_token } = tok.json<{ access_token: string; refresh_token: string }>();
  return { id, username, email, password, access: access_token, refresh: refresh_token };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
