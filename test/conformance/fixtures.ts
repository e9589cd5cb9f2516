import type { Agora } from '../../src/app.js';
import { unique } from '../helpers/app.js';

/** A fresh account with every kind of credential, as the conformance walk sends it. */
export interface Actor {
  id: string;
  username: string;
  password: string;
  refresh: string;
  keyId: string;
  /** Headers per security scheme of the document. */
  creds: Record<string, Record<string, string>>;
}

export interface Req {
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** Merged over the body generated from the schema. */
  body?: Record<string, unknown>;
  /** Headers besides the credentials (a cookie that binds a browser). */
  headers?: Record<string, string>;
  /** Who sends it (default: the operation's own fresh superuser). */
  as?: Actor;
  /** Values for the documented optional query parameters (null leaves one out) in the second valid request. */
  optional?: Record<string, string | null>;
}

export type Build = (f: Fixtures, me: Actor) => Promise<Req>;
export interface Fixture {
  ok?: Build;
  /** The unknown-id request, when the generic one (every path parameter unknown) does not fit. */
  notFound?: Build;
}
/** Real ids and credentials the document cannot know, per `METHOD /path`: one table per module. */
export type FixtureTable = Record<string, Fixture>;

/** Fixtures made through the API. Module tables add their own makers as functions of this. */
export class Fixtures {
  constructor(readonly agora: Agora) {}

  async call(method: string, url: string, who: Actor | undefined, scheme: string, payload?: object) {
    const res = await this.agora.app.inject({
      method: method as 'GET',
      url,
      headers: who ? who.creds[scheme] : {},
      ...(payload ? { payload } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`fixture ${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.body ? res.json() : undefined;
  }

  /** A fresh account with every kind of credential: a bearer token, an API key and a messenger session. */
  async actor(admin = true): Promise<Actor> {
    const username = unique('oa');
    const password = 'correct horse battery';
    const reg = await this.call('POST', '/idp/api/v1/users/', undefined, '', {
      username,
      email: `${username}@example.test`,
      password,
    });
    if (admin) await this.agora.identity.service.ensureSuperuser({ username, password });
    const tok = await this.call('POST', '/idp/api/v1/users/token', undefined, '', { login: username, password });
    const bearer = { authorization: `Bearer ${tok.access_token}` };
    const created = await this.agora.app.inject({
      method: 'POST',
      url: '/idp/api/v1/api-keys/',
      headers: bearer,
      payload: { name: 'conformance' },
    });
    const session = await this.call('POST', '/messenger/v1/auth/login', undefined, '', {
      user_name: username,
      password,
    });
    return {
      id: reg.id,
      username,
      password,
      refresh: tok.refresh_token,
      keyId: created.json().id,
      creds: {
        bearer,
        apiKey: { 'api-key': created.json().key },
        sessionId: { authorization: `session_id ${session.session_id}` },
      },
    };
  }
}
