import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { bearer, registerAndLogin, type TestUser } from '../helpers/identity.js';
import { bigPng, GIF, movableClock, multipart, PDF, PNG } from './fixtures.js';

const BASE = '/files/api/v1/files';

describe('files service over HTTP, local directory adapter', () => {
  let agora: Agora;
  let owner: TestUser;
  let other: TestUser;
  let admin: TestUser;
  const clock = movableClock();

  beforeAll(async () => {
    agora = await testApp({ FILES_MAX_BYTES: '2048' }, { clock });
    [owner, other, admin] = [
      await registerAndLogin(agora),
      await registerAndLogin(agora),
      await registerAndLogin(agora, { admin: true }),
    ];
  });
  afterAll(async () => agora.app.close());

  const upload = (user: TestUser | undefined, body: Buffer, filename = 'a.png', query = '') => {
    const mp = multipart(body, filename);
    return agora.app.inject({
      method: 'POST',
      url: `${BASE}/${query}`,
      payload: mp.payload,
      headers: { ...mp.headers, ...(user ? bearer(user.access) : {}) },
    });
  };

  it('uploads: 201 with metadata, key uploads/{YYYY}Q{n}/{uuid}{ext}, type from the bytes, sanitized name', async () => {
    const res = await upload(owner, PNG, '../../etc/pa<ss>wd.exe');
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      size: PNG.length,
      file_type: 'image/png',
      bucket: 'default',
      filename: 'pa_ss_wd.exe',
    });
    expect(body.path_in_storage).toMatch(/^uploads\/\d{4}Q[1-4]\/[0-9a-f-]{36}\.png$/);
    expect(body.short_name).toMatch(/^[\w-]+$/);
    const dataDir = agora.ctx.config.DATA_DIR;
    expect(existsSync(join(dataDir, 'files', body.path_in_storage))).toBe(true);
    expect(existsSync(join(dataDir, 'etc'))).toBe(false);
  });

  it('requires auth to upload', async () => {
    const res = await upload(undefined, PNG);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBeTruthy();
  });

  it('checks the type from the bytes, not the name or header', async () => {
    const res = await upload(owner, Buffer.from('#!/bin/sh\necho hi\n'), 'x.png');
    expect(res.statusCode).toBe(415);
    const pdf = await upload(owner, PDF, 'doc.png');
    expect(pdf.statusCode).toBe(201);
    expect(pdf.json().file_type).toBe('application/pdf');
    expect(pdf.json().path_in_storage).toMatch(/\.pdf$/);
  });

  it('enforces the size limit with 413 and leaves no object or temp file', async () => {
    const before = await agora.ctx.database.db.execute('select count(*)::int as n from files.files' as never);
    const res = await upload(owner, bigPng(4096));
    expect(res.statusCode).toBe(413);
    const after = await agora.ctx.database.db.execute('select count(*)::int as n from files.files' as never);
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));
    expect(readdirSync(join(agora.ctx.config.DATA_DIR, 'files', '.incoming'))).toEqual([]);
  });

  it('rejects an unknown bucket and a non-multipart body with 4xx', async () => {
    expect((await upload(owner, PNG, 'a.png', '?bucket=nope')).statusCode).toBe(400);
    const json = await agora.app.inject({
      method: 'POST',
      url: `${BASE}/`,
      payload: { file: 'x' },
      headers: bearer(owner.access),
    });
    expect(json.statusCode).toBe(415);
  });

  it('streams the file with type, disposition and Range', async () => {
    const { short_name } = (await upload(owner, GIF, 'pic.gif')).json();
    const full = await agora.app.inject({ url: `${BASE}/${short_name}`, headers: bearer(owner.access) });
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('image/gif');
    expect(full.headers['content-disposition']).toMatch(/^attachment; filename="pic.gif"/);
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.rawPayload.equals(GIF)).toBe(true);

    const part = await agora.app.inject({
      url: `${BASE}/${short_name}`,
      headers: { ...bearer(owner.access), range: 'bytes=2-5' },
    });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 2-5/${GIF.length}`);
    expect(part.rawPayload.equals(GIF.subarray(2, 6))).toBe(true);

    const suffix = await agora.app.inject({
      url: `${BASE}/${short_name}`,
      headers: { ...bearer(owner.access), range: 'bytes=-3' },
    });
    expect(suffix.rawPayload.equals(GIF.subarray(GIF.length - 3))).toBe(true);

    const bad = await agora.app.inject({
      url: `${BASE}/${short_name}`,
      headers: { ...bearer(owner.access), range: 'bytes=9999-' },
    });
    expect(bad.statusCode).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${GIF.length}`);
  });

  it('answers 404 for an unknown file', async () => {
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await agora.app.inject({ method, url: `${BASE}/nope`, headers: bearer(owner.access) });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ detail: 'File not found' });
    }
  });

  it('signed local URLs work without credentials and expire', async () => {
    const { short_name } = (await upload(owner, PNG)).json();
    const res = await agora.app.inject({
      url: `${BASE}/${short_name}/presigned_url/?expires_in=60`,
      headers: bearer(owner.access),
    });
    expect(res.statusCode).toBe(200);
    const url = new URL(res.json().presigned_url);
    expect(url.pathname).toBe(`${BASE}/${short_name}`);
    const ok = await agora.app.inject({ url: url.pathname + url.search });
    expect(ok.statusCode).toBe(200);
    expect(ok.rawPayload.equals(PNG)).toBe(true);

    const tampered = await agora.app.inject({
      url: url.pathname + url.search.replace(/expires=\d+/, 'expires=9999999999'),
    });
    expect(tampered.statusCode).toBe(403);

    clock.shift(61);
    try {
      const expired = await agora.app.inject({ url: url.pathname + url.search });
      expect(expired.statusCode).toBe(403);
      expect(expired.json().detail).toMatch(/expired/);
    } finally {
      clock.shift(-61);
    }
    const tooLong = await agora.app.inject({
      url: `${BASE}/${short_name}/presigned_url/?expires_in=99999999`,
      headers: bearer(owner.access),
    });
    expect(tooLong.statusCode).toBe(400);
  });

  it('redirect_download answers 307 to the signed URL', async () => {
    const { short_name } = (await upload(owner, PNG)).json();
    const res = await agora.app.inject({
      url: `${BASE}/${short_name}/redirect_download/`,
      headers: bearer(owner.access),
    });
    expect(res.statusCode).toBe(307);
    const loc = new URL(res.headers.location as string);
    expect((await agora.app.inject({ url: loc.pathname + loc.search })).statusCode).toBe(200);
  });

  it('a row whose object vanished from disk answers 404 in the envelope, never 500 (Range too)', async () => {
    const file = (await upload(owner, PNG)).json();
    rmSync(join(agora.ctx.config.DATA_DIR, 'files', file.path_in_storage));
    for (const headers of [bearer(owner.access), { ...bearer(owner.access), range: 'bytes=0-3' }]) {
      const res = await agora.app.inject({ url: `${BASE}/${file.short_name}`, headers });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ detail: 'File not found' });
    }
  });

  it('a bucket managed by a module (microblog) is not writable here: 403 unless admin', async () => {
    const res = await upload(owner, PNG, 'a.png', '?bucket=microblog');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ detail: 'Files of this bucket are managed through the microblog API' });
    const byAdmin = await upload(admin, PNG, 'a.png', '?bucket=microblog');
    expect(byAdmin.statusCode).toBe(201);
    expect(byAdmin.json().bucket).toBe('microblog');
  });

  // The contract says "Owner or admin may delete" and names only 404 (unknown): not yours answers like unknown.
  it('owner or admin may delete, another user gets 404; object and row both go', async () => {
    const a = (await upload(owner, PNG)).json();
    const b = (await upload(owner, PNG)).json();
    const path = join(agora.ctx.config.DATA_DIR, 'files', a.path_in_storage);
    expect(
      (await agora.app.inject({ method: 'DELETE', url: `${BASE}/${a.short_name}`, headers: bearer(other.access) }))
        .statusCode,
    ).toBe(404);
    const del = await agora.app.inject({
      method: 'DELETE',
      url: `${BASE}/${a.short_name}`,
      headers: bearer(owner.access),
    });
    expect(del.statusCode).toBe(204);
    expect(existsSync(path)).toBe(false);
    expect((await agora.app.inject({ url: `${BASE}/${a.short_name}`, headers: bearer(owner.access) })).statusCode).toBe(
      404,
    );
    const byAdmin = await agora.app.inject({
      method: 'DELETE',
      url: `${BASE}/${b.short_name}`,
      headers: bearer(admin.access),
    });
    expect(byAdmin.statusCode).toBe(204);
  });
});
