import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, type ConfigValues } from '../helpers/app.js';
import { multipart, PNG } from '../files/fixtures.js';
import { blogger } from './helpers.js';

/**
 * The course's proxy: `/api/` goes to the module's API (`target`), anything else is the compiled frontend —
 * an unknown path gets index.html with 200, as nginx's `try_files ... /index.html` does.
 */
function courseProxy(upstream: string, target: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/api/')) {
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><div id="app"></div>');
    }
    const url = new URL(target + req.url.slice('/api/'.length), upstream);
    const out = request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(out);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const setups: [string, ConfigValues, string][] = [
  ['MICROBLOG_MEDIA_URL_PREFIX=/api/medias', { MICROBLOG_MEDIA_URL_PREFIX: '/api/medias' }, '/microblog/api/'],
  ['MOUNT_MICROBLOG=/ (default media prefix)', { MOUNT_MICROBLOG: '/', MODULES: 'identity,files,microblog' }, '/api/'],
];

describe.each(setups)('attachments load through the course proxy with %s', (_name, values, target) => {
  let agora: Agora;
  let proxy: Server;
  let base: string;

  beforeAll(async () => {
    agora = await testApp(values);
    await agora.app.listen({ port: 0, host: '127.0.0.1' });
    const upstream = `http://127.0.0.1:${(agora.app.server.address() as AddressInfo).port}`;
    proxy = await courseProxy(upstream, target);
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await agora?.app.close();
  });

  it('uploads, tweets, and the feed attachment URL answers 200 image/png via the proxy', async () => {
    const { headers } = await blogger(agora, target.replace(/\/$/, ''));
    // Unique bytes: each app of this file has its own storage directory, and images are found by content.
    const image = Buffer.concat([PNG, Buffer.from(target)]);
    const mp = multipart(image, 'pic.png');
    const media = await fetch(`${base}/api/medias`, {
      method: 'POST',
      headers: { ...headers, ...mp.headers },
      body: mp.payload,
    });
    expect(media.status).toBe(201);
    const { media_id } = (await media.json()) as { media_id: number };
    const posted = await fetch(`${base}/api/tweets`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ tweet_data: 'through the proxy', tweet_media_ids: [media_id] }),
    });
    expect(posted.status).toBe(201);

    const feed = (await (await fetch(`${base}/api/tweets`, { headers })).json()) as {
      tweets: { content: string; attachments: string[] }[];
    };
    const [url] = feed.tweets.find((t) => t.content === 'through the proxy')!.attachments;
    expect(url).toMatch(/^\/api\/medias\/[0-9a-f]{64}\.png$/);
    const img = await fetch(new URL(url!, base));
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await img.arrayBuffer()).equals(image)).toBe(true);
  });
});
