import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { createFiles, type FilesApi } from '../../src/modules/files/index.js';
import { testApp } from '../helpers/app.js';
import { bearer, registerAndLogin, type TestUser } from '../helpers/identity.js';
import { movableClock, multipart, PNG } from './fixtures.js';

/**
 * Finding 5 of issue 11 and the files contract's "Access:" rule: a file is private to its owner and admins
 * (download, presigned URL, redirect and delete; someone else's private file answers 404) unless its bucket
 * is public (the microblog's media, which browsers load without credentials); other modules hand out access
 * with signed URLs, which work for anyone until they expire.
 */
const BASE = '/files/api/v1/files';
const NOT_FOUND = { detail: 'File not found' };

describe('files: who may read and delete a file', () => {
  let agora: Agora;
  let files: FilesApi;
  let owner: TestUser;
  let other: TestUser;
  let admin: TestUser;
  const clock = movableClock();

  beforeAll(async () => {
    agora = await testApp({}, { clock });
    // What another module holds: the files service built on the same platform (same signing key).
    files = createFiles(agora.ctx);
    [owner, other, admin] = [
      await registerAndLogin(agora),
      await registerAndLogin(agora),
      await registerAndLogin(agora, { admin: true }),
    ];
  });
  afterAll(async () => agora.app.close());

  const as = (user: TestUser | undefined) => (user ? bearer(user.access) : {});
  const upload = async (user: TestUser, query = '') => {
    const mp = multipart(PNG, 'a.png');
    const res = await agora.app.inject({
      method: 'POST',
      url: `${BASE}/${query}`,
      payload: mp.payload,
      headers: { ...mp.headers, ...as(user) },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ short_name: string; bucket: string }>().short_name;
  };
  const get = (path: string, user?: TestUser) => agora.app.inject({ url: `${BASE}/${path}`, headers: as(user) });
  const routes = (name: string) => [name, `${name}/presigned_url/`, `${name}/redirect_download/`];
  const expectAllowed = async (name: string, user: TestUser | undefined) => {
    const [download, presigned, redirect] = (await Promise.all(routes(name).map((p) => get(p, user)))) as [
      Awaited<ReturnType<typeof get>>,
      Awaited<ReturnType<typeof get>>,
      Awaited<ReturnType<typeof get>>,
    ];
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(PNG)).toBe(true);
    expect(presigned.statusCode).toBe(200);
    expect(presigned.json().presigned_url).toMatch(/\?expires=\d+&signature=/);
    expect(redirect.statusCode).toBe(307);
  };

  it("another user gets 404 on every route of someone's private file, as for an unknown one", async () => {
    const name = await upload(owner);
    for (const path of routes(name)) {
      const res = await get(path, other);
      expect(res.statusCode, path).toBe(404);
      expect(res.json(), path).toEqual(NOT_FOUND);
      expect((await get(path.replace(name, 'unknown-file'), other)).json(), path).toEqual(NOT_FOUND);
    }
    const del = await agora.app.inject({ method: 'DELETE', url: `${BASE}/${name}`, headers: as(other) });
    expect(del.statusCode).toBe(404);
    expect(del.json()).toEqual(NOT_FOUND);
    await expectAllowed(name, owner);
  });

  it('the owner and admins may read and delete; anonymous callers get 401 and learn nothing of private files', async () => {
    const name = await upload(owner);
    await expectAllowed(name, owner);
    await expectAllowed(name, admin);
    expect((await get(name, other)).statusCode).toBe(404);
    for (const path of [...routes(name), ...routes('unknown-file')]) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(401);
      expect(res.json().detail, path).toBeTruthy();
    }
    const byAdmin = await upload(owner);
    const del = (n: string, user?: TestUser) =>
      agora.app.inject({ method: 'DELETE', url: `${BASE}/${n}`, headers: as(user) });
    expect((await del(name)).statusCode).toBe(401);
    expect((await del(name, owner)).statusCode).toBe(204);
    expect((await del(byAdmin, admin)).statusCode).toBe(204);
    expect((await get(name, owner)).statusCode).toBe(404);
    expect((await get(byAdmin, owner)).statusCode).toBe(404);
  });

  it('a file of a public bucket (microblog media) is readable by anyone, signed in or not; only its owner deletes', async () => {
    const name = await upload(admin, '?bucket=microblog');
    await expectAllowed(name, other);
    const anonymous = await get(name);
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.rawPayload.equals(PNG)).toBe(true);
    // URLs are handed to signed-in callers only.
    expect((await get(`${name}/presigned_url/`)).statusCode).toBe(401);
    const del = await agora.app.inject({ method: 'DELETE', url: `${BASE}/${name}`, headers: as(other) });
    expect(del.statusCode).toBe(404);
    expect((await get(name)).statusCode).toBe(200);
  });

  it('a signed URL, from the route or from the files service of another module, works for anyone until it expires', async () => {
    const name = await upload(owner);
    const fromRoute = new URL((await get(`${name}/presigned_url/?expires_in=60`, owner)).json().presigned_url);
    // A module grants access to a file it keeps with no owner (private to admins otherwise).
    const kept = await files.put({ stream: Readable.from([PNG]), filename: 'kept.png', ownerId: null });
    expect((await get(kept.shortName, other)).statusCode).toBe(404);
    const { url, local } = await files.url(kept, 60);
    expect(local).toBe(true);
    const signed = [fromRoute.pathname + fromRoute.search, `${BASE}/${url}`];

    for (const path of signed) {
      for (const user of [undefined, other]) {
        const res = await agora.app.inject({ url: path, headers: as(user) });
        expect(res.statusCode, path).toBe(200);
        expect(res.rawPayload.equals(PNG)).toBe(true);
      }
    }
    // The file itself stays private to the others.
    expect((await get(name, other)).statusCode).toBe(404);
    clock.shift(61);
    try {
      for (const path of signed) {
        const res = await agora.app.inject({ url: path, headers: as(other) });
        expect(res.statusCode, path).toBe(403);
        expect(res.json().detail).toMatch(/expired/);
      }
    } finally {
      clock.shift(-61);
    }
  });
});
