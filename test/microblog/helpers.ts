import { expect } from 'vitest';
import type { Agora } from '../../src/app.js';
import { unique } from '../helpers/app.js';

export const API = '/microblog/api';

export interface Blogger {
  id: number;
  name: string;
  key: string;
  headers: { 'api-key': string };
}

/** An identity user with an API key, and their numeric microblog id (made on first call). */
export async function blogger(agora: Agora, api = API): Promise<Blogger> {
  const user = await agora.identity.service.register({ username: unique('mb'), password: 'pw-pw-pw-pw', email: null });
  const { key } = await agora.identity.service.createApiKey(user.id, 'test');
  const headers = { 'api-key': key };
  const me = await agora.app.inject({ url: `${api}/users/me`, headers });
  if (me.statusCode !== 200) throw new Error(`me failed: ${me.statusCode} ${me.body}`);
  return { id: me.json().user.id, name: user.username, key, headers };
}

export const failure = { result: false, error_type: expect.any(String), error_message: expect.any(String) };
