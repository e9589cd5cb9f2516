import type { Agora } from '../../src/app.js';
import { unique } from '../helpers/app.js';

export const W = '/wishlist/api';

export interface WishUser {
  id: string;
  username: string;
  password: string;
  access: string;
  refresh: string;
}

/** Registers through the wishlist's own register endpoint and logs in with SimpleJWT's login. */
export async function wishUser(agora: Agora, extra: Record<string, string> = {}): Promise<WishUser> {
  const username = unique('wl');
  const password = 'gift-secret-42';
  const reg = await agora.app.inject({
    method: 'POST',
    url: `${W}/register/`,
    payload: { username, password, ...extra },
  });
  if (reg.statusCode !== 201) throw new Error(`register failed: ${reg.statusCode} ${reg.body}`);
  const login = await agora.app.inject({ method: 'POST', url: `${W}/login/`, payload: { username, password } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  const { access, refresh } = login.json<{ access: string; refresh: string }>();
  const user = await agora.identity.service.getUserByUsername(username);
  return { id: user!.id, username, password, access, refresh };
}

export const auth = (u: { access: string }) => ({ authorization: `Bearer ${u.access}` });

export async function addWish(agora: Agora, u: WishUser, payload: Record<string, unknown> = {}) {
  const res = await agora.app.inject({
    method: 'POST',
    url: `${W}/wishes/`,
    headers: auth(u),
    payload: { title: unique('wish'), ...payload },
  });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
  return res.json<{ id: number } & Record<string, unknown>>();
}
