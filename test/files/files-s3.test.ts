import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { bearer, registerAndLogin, type TestUser } from '../helpers/identity.js';
import { GIF, movableClock, multipart, PNG } from './fixtures.js';

const BASE = '/files/api/v1/files';

/** The S3 adapter against a real S3-protocol server (s3rver) listening on a local port: no SDK mock. */
describe('files service, S3 adapter', () => {
  let server: S3rver;
  let port: number;
  let agora: Agora;
  let user: TestUser;
  const clock = movableClock();

  beforeAll(async () => {
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: mkdtempSync(join(tmpdir(), 's3rver-')),
    });
    ({ port } = (await server.run()) as AddressInfo);
    agora = await testApp(
      {
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
        S3_BUCKET: 'agora-test',
      },
      { clock },
    );
    user = await registerAndLogin(agora);
  });
  afterAll(async () => {
    await agora.app.close();
    await server.close();
  });

  const upload = (body: Buffer, filename: string) => {
    const mp = multipart(body, filename);
    return agora.app.inject({
      method: 'POST',
      url: `${BASE}/`,
      payload: mp.payload,
      headers: { ...mp.headers, ...bearer(user.access) },
    });
  };

  it('stores, streams with Range, and deletes through S3', async () => {
    const res = await upload(GIF, 'pic.gif');
    expect(res.statusCode).toBe(201);
    const file = res.json();

    const full = await agora.app.inject({ url: `${BASE}/${file.short_name}`, headers: bearer(user.access) });
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('image/gif');
    expect(full.rawPayload.equals(GIF)).toBe(true);

    const part = await agora.app.inject({
      url: `${BASE}/${file.short_name}`,
      headers: { ...bearer(user.access), range: 'bytes=0-5' },
    });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.toString('latin1')).toBe('GIF89a');

    const direct = await agora.app.inject({
      url: `${BASE}/${file.short_name}/presigned_url/`,
      headers: bearer(user.access),
    });
    const url: string = direct.json().presigned_url;
    expect((await fetch(url)).status).toBe(200);
    const del = await agora.app.inject({
      method: 'DELETE',
      url: `${BASE}/${file.short_name}`,
      headers: bearer(user.access),
    });
    expect(del.statusCode).toBe(204);
    expect((await fetch(url)).status).toBe(404);
  });

  it('a row whose object was deleted from S3 answers 404 in the envelope, never 500', async () => {
    const file = (await upload(PNG, 'gone.png')).json();
    const s3 = new S3Client({
      endpoint: agora.ctx.config.S3_ENDPOINT,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await s3.send(new DeleteObjectCommand({ Bucket: 'agora-test', Key: file.path_in_storage }));
    s3.destroy();
    for (const headers of [bearer(user.access), { ...bearer(user.access), range: 'bytes=0-3' }]) {
      const res = await agora.app.inject({ url: `${BASE}/${file.short_name}`, headers });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ detail: 'File not found' });
    }
  });

  it('presigned URLs are S3 URLs that load without credentials and expire', async () => {
    const file = (await upload(PNG, 'dot.png')).json();
    const res = await agora.app.inject({
      url: `${BASE}/${file.short_name}/presigned_url/?expires_in=60`,
      headers: bearer(user.access),
    });
    expect(res.statusCode).toBe(200);
    const url: string = res.json().presigned_url;
    expect(url).toContain('X-Amz-Signature=');
    expect(url.startsWith(agora.ctx.config.S3_ENDPOINT)).toBe(true);
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);

    // Signed two minutes ago for one minute: the S3 server itself must refuse it.
    clock.shift(-120);
    let old: string;
    try {
      old = (
        await agora.app.inject({
          url: `${BASE}/${file.short_name}/presigned_url/?expires_in=60`,
          headers: bearer(user.access),
        })
      ).json().presigned_url;
    } finally {
      clock.shift(120);
    }
    expect((await fetch(old)).status).toBe(403);

    const redirect = await agora.app.inject({
      url: `${BASE}/${file.short_name}/redirect_download/`,
      headers: bearer(user.access),
    });
    expect(redirect.statusCode).toBe(307);
    expect((await fetch(redirect.headers.location as string)).status).toBe(200);
  });

  it('signs URLs for S3_PUBLIC_ENDPOINT while storing through S3_ENDPOINT', async () => {
    const pub = await testApp({
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_PUBLIC_ENDPOINT: 'https://files.example.test',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_BUCKET: 'agora-test',
    });
    try {
      const owner = await registerAndLogin(pub);
      const mp = multipart(PNG, 'public.png');
      const up = await pub.app.inject({
        method: 'POST',
        url: `${BASE}/`,
        payload: mp.payload,
        headers: { ...mp.headers, ...bearer(owner.access) },
      });
      expect(up.statusCode).toBe(201);
      const sn = up.json().short_name;
      const signed = await pub.app.inject({ url: `${BASE}/${sn}/presigned_url/`, headers: bearer(owner.access) });
      expect(signed.json().presigned_url).toMatch(/^https:\/\/files\.example\.test\/agora-test\/.+X-Amz-Signature=/);
      const direct = await pub.app.inject({ url: `${BASE}/${sn}`, headers: bearer(owner.access) });
      expect(direct.statusCode).toBe(200);
      expect(direct.rawPayload.equals(PNG)).toBe(true);
    } finally {
      await pub.app.close();
    }
  });
});
