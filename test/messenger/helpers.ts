import type { Agora } from '../../src/app.js';
import { unique } from '../helpers/app.js';

export const P = '/messenger';

export interface Client {
  name: string;
  session: string;
  auth: { authorization: string };
}

/** Messenger request through the whole app; `body` is sent as JSON text with no JSON content type. */
export async function call(
  agora: Agora,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  opts: { client?: Client; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await agora.app.inject({
    method,
    url: `${P}${path}`,
    headers: {
      ...(opts.client?.auth ?? {}),
      ...(opts.body !== undefined ? { 'content-type': 'text/plain' } : {}),
      ...(opts.headers ?? {}),
    },
    ...(opts.body !== undefined
      ? { payload: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }
      : {}),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies loosely
  return { status: res.statusCode, body: res.body, json: () => res.json() as Record<string, unknown> & any };
}

/** Registers and logs in a messenger user. */
export async function signup(agora: Agora): Promise<Client> {
  const name = unique('m');
  const reg = await call(agora, 'POST', '/v1/auth/register', { body: { user_name: name, password: 'pw-123456' } });
  if (reg.status !== 201) throw new Error(`register ${reg.status} ${reg.body}`);
  const login = await call(agora, 'POST', '/v1/auth/login', { body: { user_name: name, password: 'pw-123456' } });
  if (login.status !== 200) throw new Error(`login ${login.status} ${login.body}`);
  const session = login.json().session_id as string;
  return { name, session, auth: { authorization: `session_id ${session}` } };
}

/** A chat with `client` as member; returns the chat id and the membership id. */
export async function chatWith(agora: Agora, client: Client) {
  const chat = await call(agora, 'POST', '/v1/chats', { client, body: { chat_name: unique('chat') } });
  const chatId = chat.json().chat_id as string;
  const member = await call(agora, 'POST', `/v1/chats/${chatId}/users`, { client, body: { user_name: client.name } });
  return { chatId, memberId: member.json().user_id as string };
}

export async function post(agora: Agora, client: Client, chatId: string, memberId: string, text: string) {
  const res = await call(agora, 'POST', `/v1/chats/${chatId}/messages?user_id=${memberId}`, {
    client,
    body: { message: text },
  });
  if (res.status !== 201) throw new Error(`post ${res.status} ${res.body}`);
  return res.json().message_id as string;
}
