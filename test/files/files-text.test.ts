import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { createFiles, type FilesApi } from '../../src/modules/files/index.js';
import { testApp } from '../helpers/app.js';
import { bearer, registerAndLogin, type TestUser } from '../helpers/identity.js';
import { multipart, PNG } from './fixtures.js';

/**
 * Finding 3 of issue 11 (the files part): a NUL character in a `short_name` reached the database, which
 * refused it, and the routes answered 500. Names that cannot be short names now never leave the module.
 */
const BASE = '/files/api/v1/files';
const BAD_NAMES = ['%00', 'ab%00cd', `${'x'.repeat(5)}%00%00`, 'a%20b', '..%2F..%2Fetc', '%C3%A9t%C3%A9'];

describe('files: short names that cannot exist', () => {
  let agora: Agora;
  let files: FilesApi;
  let user: TestUser;
  let name: string;

  beforeAll(async () => {
    agora = await testApp();
    files = createFiles(agora.ctx);
    user = await registerAndLogin(agora);
    const mp = multipart(PNG);
    const res = await agora.app.inject({
      method: 'POST',
      url: `${BASE}/`,
      payload: mp.payload,
      headers: { ...mp.headers, ...bearer(user.access) },
    });
    name = res.json().short_name;
  });
  afterAll(async () => agora.app.close());

  it('answer 4xx in the files envelope on every route, never 500', async () => {
    for (const bad of BAD_NAMES) {
      for (const [method, path] of [
        ['GET', bad],
        ['DELETE', bad],
        ['GET', `${bad}/presigned_url/`],
        ['GET', `${bad}/redirect_download/`],
        ['GET', `${bad}?expires=9999999999&signature=abc`],
      ] as const) {
        const res = await agora.app.inject({ method, url: `${BASE}/${path}`, headers: bearer(user.access) });
        // A signed URL for a name that cannot exist may fail its signature check first (403).
        const allowed = path.includes('signature=') ? [400, 403, 404] : [400, 404];
        expect(allowed, `${method} ${path}`).toContain(res.statusCode);
        expect(typeof res.json().detail, `${method} ${path}`).toBe('string');
      }
    }
    // The real file is still there and served.
    expect((await agora.app.inject({ url: `${BASE}/${name}`, headers: bearer(user.access) })).statusCode).toBe(200);
  });

  it('a NUL in a signature or a bucket is refused with 4xx as well', async () => {
    const sig = await agora.app.inject({ url: `${BASE}/${name}?expires=9999999999&signature=a%00b` });
    // 403 from the signature check, or 400 where the platform refuses NUL in any input first.
    expect([400, 403]).toContain(sig.statusCode);
    expect(typeof sig.json().detail).toBe('string');
    const mp = multipart(PNG);
    const bucket = await agora.app.inject({
      method: 'POST',
      url: `${BASE}/?bucket=a%00b`,
      payload: mp.payload,
      headers: { ...mp.headers, ...bearer(user.access) },
    });
    expect(bucket.statusCode).toBe(400);
    expect(typeof bucket.json().detail).toBe('string');
  });

  it('the files service refuses them as unknown without asking the database', async () => {
    for (const bad of ['\u0000', 'ab\u0000cd', 'a b', '../x', '']) {
      await expect(files.find(bad)).rejects.toMatchObject({ status: 404 });
      await expect(files.delete(bad)).rejects.toMatchObject({ status: 404 });
      expect(await files.lookup(bad)).toBeUndefined();
    }
  });
});
