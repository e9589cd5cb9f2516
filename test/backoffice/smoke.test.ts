import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';

describe('smoke', () => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp();
  });
  afterAll(async () => agora.app.close());
  it('seeds and serves', async () => {
    const lines = await agora.seed();
    console.log(lines);
    const pw = /password (\S+)/.exec(lines.find((l) => l.startsWith('backoffice'))!)![1]!;
    const login = await agora.app.inject({
      method: 'POST',
      url: '/backoffice/auth/token/',
      payload: { email: 'superuser@backoffice.local', password: pw },
    });
    console.log(login.statusCode, login.body, login.headers['set-cookie']);
    const access = /access_token=([^;]+)/.exec(String(login.headers['set-cookie']))![1];
    for (const p of [
      'partners',
      'branches',
      'employees',
      'users',
      'groups',
      'permissions',
      'courses',
      'categories',
      'lessons',
      'user-group-permissions',
    ]) {
      const res = await agora.app.inject({
        url: `/backoffice/api/${p}/`,
        headers: { cookie: `access_token=${access}` },
      });
      console.log(p, res.statusCode, res.body.slice(0, 600));
    }
    expect(login.statusCode).toBe(200);
  });
});
