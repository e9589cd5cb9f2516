import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../src/app.js';
import { testApp } from './helpers/app.js';

describe('platform endpoints', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora.app.close());

  it('answers /health and /health/', async () => {
    for (const url of ['/health', '/health/']) {
      const res = await agora.app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    }
  });

  it('answers /ready when the database answers', async () => {
    const res = await agora.app.inject({ url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json().checks.database).toBe('ok');
  });
});

describe('/metrics restricted by METRICS_TOKEN', () => {
  const TOKEN = 'scrape-token-0123456789';
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp({ METRICS_TOKEN: TOKEN });
  });
  afterAll(async () => agora.app.close());

  it('answers only the configured bearer token, in Prometheus format', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, TOKEN]) {
      const res = await agora.app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.body).not.toContain('http_requests_total');
    }
    const ok = await agora.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.body).toContain('http_requests_total');
    // Everything else stays open: probes carry no token.
    expect((await agora.app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await agora.app.inject({ url: '/ready' })).statusCode).toBe(200);
  });

  it('stays open without METRICS_TOKEN (the default)', async () => {
    const open = await testApp();
    try {
      expect((await open.app.inject({ url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await open.app.close();
    }
  });
});
