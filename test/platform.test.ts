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
