import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../src/app.js';
import { testApp } from './helpers/app.js';
import { schemaChecker, type OpenApiDocument } from './helpers/openapi.js';

/** What the outside test found the document getting wrong (issue #11, finding 7), point by point. */
describe('the OpenAPI document says what the server does', () => {
  let agora: Agora;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    agora = await testApp();
    doc = (await agora.app.inject({ url: '/openapi.json' })).json();
  });
  afterAll(async () => agora.app.close());

  it('documents both uploads as multipart/form-data with a binary `file` part', () => {
    for (const [path, method] of [
      ['/files/api/v1/files/', 'post'],
      ['/microblog/api/medias', 'post'],
    ] as const) {
      const body = doc.paths[path]![method]!.requestBody;
      expect(Object.keys(body?.content ?? {}), path).toEqual(['multipart/form-data']);
      const schema = body!.content['multipart/form-data']!.schema!;
      expect(schema.required, path).toEqual(['file']);
      expect(schema.properties!.file).toMatchObject({ type: 'string', format: 'binary' });
    }
  });

  it('marks the microblog feed parameters optional, as the server treats them', async () => {
    const params = doc.paths['/microblog/api/tweets']!.get!.parameters!;
    for (const name of ['offset', 'limit', 'cursor']) {
      expect(params.find((p) => p.name === name)?.required, name).toBe(false);
    }
  });

  it('says the token route needs login or username, and refuses blank ones', async () => {
    const schema = doc.paths['/idp/api/v1/users/token']!.post!.requestBody!.content['application/json']!.schema!;
    const valid = schemaChecker();
    expect(valid(schema, { password: 'x' })).toBeDefined();
    expect(valid(schema, { login: 'ann', password: 'x' })).toBeUndefined();
    expect(valid(schema, { username: 'ann', password: 'x' })).toBeUndefined();
    expect(valid(schema, { login: '   ', password: 'x' })).toBeDefined();
    // ...and the server agrees on each.
    const send = (payload: object) => agora.app.inject({ method: 'POST', url: '/idp/api/v1/users/token', payload });
    expect((await send({ password: 'x' })).statusCode).toBe(400);
    expect((await send({ login: '   ', password: 'x' })).statusCode).toBe(400);
    expect((await send({ username: 'nobody-here', password: 'x' })).statusCode).toBe(401);
  });

  it('declares the security every route applies: session_id on the messenger, none on public routes', () => {
    const security = (path: string, method: string) =>
      (doc.paths[path]![method as 'get']!.security ?? []).map((r) => Object.keys(r).join('+') || 'none');
    for (const path of ['/messenger/v1/chats', '/messenger/v1/auth/logout', '/messenger/v1/chats/search']) {
      expect(security(path, 'post'), path).toEqual(['sessionId']);
    }
    expect(security('/messenger/v1/chats/{chat_id}/messages', 'get')).toEqual(['sessionId']);
    for (const path of ['/messenger/v1/auth/login', '/messenger/v1/auth/register']) {
      expect(security(path, 'post'), path).toEqual([]);
    }
    expect(security('/microblog/api/tweets', 'get')).toEqual(['apiKey']);
    expect(security('/idp/api/v1/users/me', 'get')).toEqual(['bearer']);
    expect(security('/wishlist/api/wishes/', 'get')).toEqual(['bearer']);
    expect(security('/idp/api/v1/users/introspect', 'post')).toEqual(['none', 'bearer']);
    expect(security('/health', 'get')).toEqual([]);
    expect(doc.components?.securitySchemes?.sessionId).toMatchObject({ type: 'apiKey', in: 'header' });
  });

  it('types request bodies as the server reads them: no boolean becomes a permission name', async () => {
    const schema = doc.paths['/idp/api/v1/roles/']!.post!.requestBody!.content['application/json']!.schema!;
    expect(schema.properties!.permissions!.items!.type).toBe('string');
    expect(schemaChecker()(schema, { name: 'r', permissions: [false, 0] })).toBeDefined();
    expect(JSON.stringify(doc)).not.toContain('"finite"');
  });
});
