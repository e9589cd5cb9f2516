import { Writable } from 'node:stream';
import { pino } from 'pino';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Agora } from '../src/app.js';
import { buildApp } from '../src/app.js';
import { AppError } from '../src/platform/errors.js';
import { createServer, guardRouteConflicts, mountModule } from '../src/platform/http/kernel.js';
import type { AgoraModule } from '../src/platform/http/module.js';
import { logOptions } from '../src/platform/observability/logger.js';
import { testApp, testConfig } from './helpers/app.js';
import { testDatabase } from './helpers/db.js';
import { bearer, registerAndLogin } from './helpers/identity.js';

function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, log: pino(logOptions({ LOG_LEVEL: 'info' }), stream) };
}

describe('kernel: request ids, access log, metrics', () => {
  let agora: Agora;
  const capture = captureLog();
  beforeAll(async () => {
    const { database } = await testDatabase();
    agora = await buildApp(testConfig({ LOG_LEVEL: 'info' }), { database, log: capture.log });
  });
  afterAll(async () => agora.app.close());

  it('echoes a given X-Request-Id and generates one otherwise', async () => {
    const given = await agora.app.inject({ url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await agora.app.inject({ url: '/health' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await agora.app.inject({ url: '/health', headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(unsafe.headers['x-request-id']).not.toContain(' ');
  });

  it('sets API security headers, and a page policy on the HTML pages', async () => {
    const res = await agora.app.inject({ url: '/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toContain('max-age=');
    const notFound = await agora.app.inject({ url: '/nowhere' });
    expect(notFound.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    for (const url of ['/redoc', '/docs/']) {
      const page = await agora.app.inject({ url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-security-policy'], url).toContain("script-src 'self'");
    }
  });

  it('writes one access-log line per request, without tokens, passwords or cookies', async () => {
    const u = await registerAndLogin(agora);
    capture.lines.length = 0;
    await agora.app.inject({
      url: `/idp/api/v1/users/${u.id}?x=1`,
      headers: {
        ...bearer(u.access),
        cookie: 'access_token=secretcookie',
        'user-agent': 'vitest',
        'x-request-id': 'log-1',
      },
    });
    await agora.app.inject({
      method: 'POST',
      url: '/idp/api/v1/users/token',
      payload: { login: u.username, password: u.password },
    });
    const access = capture.lines.filter((l) => l.msg === 'request');
    expect(access).toHaveLength(2);
    expect(access[0]).toMatchObject({
      level: 'info',
      status: 200,
      method: 'GET',
      route: '/idp/api/v1/users/:user_id',
      path: `/idp/api/v1/users/${u.id}`,
      ip: '127.0.0.1',
      userAgent: 'vitest',
      reqId: 'log-1',
    });
    expect(access[0]).toHaveProperty('time');
    expect(access[0]).toHaveProperty('durationMs');
    expect(Number(access[0]!.size)).toBeGreaterThan(0);
    const all = JSON.stringify(capture.lines);
    for (const secret of [u.access, u.password, 'secretcookie', u.refresh]) expect(all).not.toContain(secret);
  });

  it('logs a failing request under its id, and makes no child logger for a request that logs nothing', async () => {
    const app = await createServer(agora.ctx);
    app.get('/boom', async () => {
      throw new Error('kaput');
    });
    await app.ready();
    const child = vi.spyOn(capture.log, 'child');
    try {
      await app.inject({ url: '/boom', headers: { 'x-request-id': 'boom-1' } });
      expect(child).toHaveBeenCalledTimes(1);
      expect(capture.lines.find((l) => l.msg === 'unhandled error')).toMatchObject({ reqId: 'boom-1', level: 'error' });
      child.mockClear();
      for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/nothing-here' })).statusCode).toBe(404);
      expect(child).not.toHaveBeenCalled();
    } finally {
      child.mockRestore();
      await app.close();
    }
  });

  it('labels metrics by route template, never by raw URL', async () => {
    const u = await registerAndLogin(agora);
    await agora.app.inject({ url: `/idp/api/v1/users/${u.id}`, headers: bearer(u.access) });
    await agora.app.inject({ url: `/no/such/${u.id}` });
    const text = (await agora.app.inject({ url: '/metrics' })).body;
    expect(text).toContain('http_requests_total{method="GET",route="/idp/api/v1/users/:user_id",status="200"}');
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/health"/);
    expect(text).toContain('db_pool_connections_max');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain(u.id);
  });

  it('serves a cached /me without any database query', async () => {
    const u = await registerAndLogin(agora);
    await agora.app.inject({ url: '/idp/api/v1/users/me', headers: bearer(u.access) });
    const before = agora.ctx.database.queryCount();
    for (let i = 0; i < 20; i++) {
      const res = await agora.app.inject({ url: '/idp/api/v1/users/me', headers: bearer(u.access) });
      expect(res.statusCode).toBe(200);
    }
    expect(agora.ctx.database.queryCount() - before).toBe(0);
  });

  it('serves docs, redoc and one OpenAPI document with a tag per module, all assets local', async () => {
    const doc = (await agora.app.inject({ url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.tags.map((t: { name: string }) => t.name)).toContain('identity');
    expect(doc.paths['/idp/api/v1/users/token'].post.tags).toEqual(['identity']);
    const docs = await agora.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    const redoc = await agora.app.inject({ url: '/redoc' });
    expect(redoc.body).toContain('/redoc/redoc.standalone.js');
    expect(redoc.body).not.toMatch(/https?:\/\//);
    expect((await agora.app.inject({ url: '/redoc/redoc.standalone.js' })).statusCode).toBe(200);
    expect(docs.body).not.toMatch(/src="https?:/);
  });

  it('answers unknown paths with 404 JSON and oversized bodies with 413', async () => {
    const missing = await agora.app.inject({ url: '/nothing-here' });
    expect(missing.statusCode).toBe(404);
    const big = await agora.app.inject({
      method: 'POST',
      url: '/idp/api/v1/users/token',
      payload: { login: 'x', password: 'y'.repeat(2_000_000) },
    });
    expect(big.statusCode).toBe(413);
    const garbage = await agora.app.inject({
      method: 'POST',
      url: '/idp/api/v1/users/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"login": ',
    });
    expect(garbage.statusCode).toBe(400);
  });

  it('answers a path that does not decode with 400 in the envelope of the module it is under', async () => {
    const cases: [string, unknown][] = [
      ['/backoffice/api/partners/%ZZ/', { detail: 'Malformed URL' }],
      ['/wishlist/api/wishes/%ZZ/', { detail: 'Malformed URL' }],
      ['/cinema/api/v1/films/%ZZ', { detail: 'Malformed URL' }],
      ['/microblog/api/%ZZ', { result: false, error_type: 'BadRequest', error_message: 'Malformed URL' }],
      ['/messenger/v1/chats/%ZZ', { message: 'bad-parameters' }],
      ['/idp/api/v1/%ZZ?x=1', { detail: 'Malformed URL' }],
      ['/%ZZ', { detail: 'Malformed URL' }],
    ];
    for (const [url, body] of cases) {
      const res = await agora.app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toEqual(body);
      expect(res.headers['x-request-id'], url).toBeTruthy();
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
    const page = await agora.app.inject({ url: '/admin/%ZZ' });
    expect(page.statusCode).toBe(400);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('kernel: mounting', () => {
  const fake = (name: 'wishlist' | 'cinema', path: string): AgoraModule => ({
    name,
    description: name,
    routes: async (app) => {
      app.get(path, async () => ({ from: name }));
      app.get('/boom', async () => {
        throw new AppError('TEAPOT', 400, 'custom');
      });
    },
    renderError: (err) => ({ body: { envelope: name, code: err.code } }),
  });

  it('stops start-up when two modules claim the same route, naming both', async () => {
    const app = Fastify();
    const owner = guardRouteConflicts(app);
    owner.owner = 'wishlist';
    await mountModule(app, fake('wishlist', '/cinema/api/x'), '/');
    owner.owner = 'cinema';
    await expect(mountModule(app, fake('cinema', '/api/x'), '/cinema')).rejects.toThrow(
      /Route conflict: GET \/cinema\/api\/x is claimed by both "wishlist" and "cinema"/,
    );
  });

  it("renders each module's errors, and its unknown paths, in its own envelope", async () => {
    const app = Fastify();
    await mountModule(app, fake('wishlist', '/a'), '/w');
    await mountModule(app, fake('cinema', '/a'), '/c');
    expect((await app.inject({ url: '/w/boom' })).json()).toEqual({ envelope: 'wishlist', code: 'TEAPOT' });
    expect((await app.inject({ url: '/c/boom' })).json()).toEqual({ envelope: 'cinema', code: 'TEAPOT' });
    const unknown = await app.inject({ url: '/c/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ envelope: 'cinema', code: 'HTTP_404' });
  });

  it('MOUNT_IDENTITY=/ serves identity at the root; MODULES rejects unknown names', async () => {
    const agora = await testApp({ MOUNT_IDENTITY: '/' });
    try {
      const res = await agora.app.inject({
        method: 'POST',
        url: '/api/v1/users/token',
        payload: { login: 'x', password: 'y' },
      });
      expect(res.statusCode).toBe(401);
      expect((await agora.app.inject({ url: '/idp/api/v1/users/me' })).statusCode).toBe(404);
      expect((await agora.app.inject({ url: '/health' })).statusCode).toBe(200);
    } finally {
      await agora.app.close();
    }
    await expect(testApp({ MODULES: 'identity,nonsense' })).rejects.toThrow(/unknown module\(s\): nonsense/);
  });

  it('/ready answers 503 naming the dependency that does not answer', async () => {
    const agora = await testApp({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_PREFIX: 'x:' });
    try {
      const res = await agora.app.inject({ url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.database).toBe('ok');
      expect(res.json().checks.redis).toMatch(/^failed/);
    } finally {
      await agora.app.close();
    }
  });
});

describe('kernel: CORS from config', () => {
  it('answers preflights for configured origins only', async () => {
    const agora = await testApp({ CORS_ORIGINS: 'http://app.example' });
    try {
      const ok = await agora.app.inject({
        method: 'OPTIONS',
        url: '/idp/api/v1/users/me',
        headers: { origin: 'http://app.example', 'access-control-request-method': 'GET' },
      });
      expect(ok.statusCode).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe('http://app.example');
      expect(ok.headers['access-control-allow-credentials']).toBe('true');
      const other = await agora.app.inject({ url: '/health', headers: { origin: 'http://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await agora.app.close();
    }
  });
});

describe('kernel: 405 with Allow for every method a route path lacks', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora.app.close());

  const send = (method: string, url: string, headers: Record<string, string> = {}) =>
    agora.app.inject({ method: method as 'GET', url, headers });

  it('answers in the envelope of the path’s module, before any body is read', async () => {
    const cases: [string, string, string, unknown][] = [
      // Before: 400 (the path matched /users/:user_id under GET) and 404.
      ['GET', '/idp/api/v1/users/token', 'POST', { detail: 'Method "GET" not allowed.' }],
      ['POST', '/idp/api/v1/users/me', 'GET, HEAD', { detail: 'Method "POST" not allowed.' }],
      ['PATCH', '/idp/api/v1/roles/00000000-0000-4000-8000-000000000000', 'PUT, DELETE', expect.anything()],
      [
        'PUT',
        '/microblog/api/tweets',
        'GET, POST, HEAD',
        { result: false, error_type: 'MethodNotAllowed', error_message: 'Method "PUT" not allowed.' },
      ],
      ['GET', '/messenger/v1/auth/login', 'POST', { message: 'method-not-allowed' }],
      ['POST', '/health', 'GET, HEAD', { detail: 'Method "POST" not allowed.' }],
      ['DELETE', '/ready', 'GET, HEAD', expect.anything()],
      ['POST', '/metrics', 'GET, HEAD', expect.anything()],
      ['PUT', '/openapi.json', 'GET, HEAD', expect.anything()],
      ['POST', '/files/api/v1/files/abc', 'GET, DELETE, HEAD', { detail: 'Method "POST" not allowed.' }],
    ];
    for (const [method, url, allow, body] of cases) {
      const res = await agora.app.inject({
        method: method as 'GET',
        url,
        headers: { 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { payload: '{"not json' }),
      });
      expect([res.statusCode, res.headers.allow, res.json()], `${method} ${url}`).toEqual([405, allow, body]);
      expect(res.headers['content-type'], `${method} ${url}`).toMatch(/^application\/json/);
    }
    const head = await send('HEAD', '/idp/api/v1/users/token');
    expect([head.statusCode, head.headers.allow]).toEqual([405, 'POST']);
  });

  it('keeps unknown paths 404, HEAD on GET routes 200, OPTIONS as before', async () => {
    expect((await send('POST', '/nowhere')).statusCode).toBe(404);
    expect((await send('DELETE', '/idp/api/v1/nowhere')).statusCode).toBe(404);
    expect((await send('HEAD', '/health')).statusCode).toBe(200);
    expect((await send('OPTIONS', '/idp/api/v1/users/token')).statusCode).toBe(404);
  });

  it('authenticates first where the original did: the wishlist (DRF) and the messenger', async () => {
    const u = await registerAndLogin(agora);
    expect((await send('PUT', '/wishlist/api/wishes/')).statusCode).toBe(401);
    const drf = await send('PUT', '/wishlist/api/wishes/', bearer(u.access));
    expect([drf.statusCode, drf.headers.allow, drf.json()]).toEqual([
      405,
      'GET, POST, HEAD, OPTIONS',
      { detail: 'Method "PUT" not allowed.' },
    ]);
    expect((await send('DELETE', '/messenger/v1/chats')).statusCode).toBe(401);
    // Identity answers 405 first, as Starlette does.
    expect((await send('DELETE', '/idp/api/v1/users/me')).statusCode).toBe(405);
  });
});
