import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, type ConfigValues } from '../helpers/app.js';
import { multipart, PNG } from '../files/fixtures.js';
import { blogger } from './helpers.js';

/**
 * A reverse proxy in front of Agora: `<front>...` goes to `<target>...` upstream, anything else is the compiled
 * frontend — an unknown path gets index.html with 200, as nginx's `try_files ... /index.html` does. The course's
 * proxy is front `/api/`, target `<mount>/api/`; `headers` are added to every forwarded request.
 */
function proxy(upstream: string, front: string, target: string, headers: Record<string, string> = {}): Promise<Server> {
  const server = createServer((req, res) => {
    if (!req.url?.startsWith(front)) {
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><div id="app"></div>');
    }
    const url = new URL(target + req.url.slice(front.length), upstream);
    const out = request(url, { method: req.method, headers: { ...req.headers, ...headers, host: url.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(out);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Setup {
  config: ConfigValues;
  /** What the proxy publishes and where it sends it. */
  front: string;
  target: string;
  headers?: Record<string, string>;
  /** The API root as the browser sees it, and the attachment URLs it must get. */
  api: string;
  media: RegExp;
}
const setups: [string, Setup][] = [
  [
    'the default settings',
    { config: {}, front: '/api/', target: '/microblog/api/', api: '/api', media: /^\/api\/medias\/[0-9a-f]{64}\.png$/ },
  ],
  [
    'MICROBLOG_MEDIA_URL_PREFIX=/api/medias',
    {
      config: { MICROBLOG_MEDIA_URL_PREFIX: '/api/medias' },
      front: '/api/',
      target: '/microblog/api/',
      api: '/api',
      media: /^\/api\/medias\/[0-9a-f]{64}\.png$/,
    },
  ],
  [
    'MOUNT_MICROBLOG=/ (default media prefix)',
    {
      config: { MOUNT_MICROBLOG: '/', MODULES: 'identity,files,microblog' },
      front: '/api/',
      target: '/api/',
      api: '/api',
      media: /^\/api\/medias\/[0-9a-f]{64}\.png$/,
    },
  ],
  [
    'a proxy publishing Agora under /blog/ with X-Forwarded-Prefix (TRUST_PROXY)',
    {
      config: { TRUST_PROXY: 'true' },
      front: '/blog/',
      target: '/',
      headers: { 'x-forwarded-prefix': '/blog' },
      api: '/blog/microblog/api',
      media: /^\/blog\/api\/medias\/[0-9a-f]{64}\.png$/,
    },
  ],
];

describe.each(setups)('attachments load through a proxy with %s', (name, setup) => {
  let agora: Agora;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    agora = await testApp(setup.config);
    await agora.app.listen({ port: 0, host: '127.0.0.1' });
    const upstream = `http://127.0.0.1:${(agora.app.server.address() as AddressInfo).port}`;
    server = await proxy(upstream, setup.front, setup.target, setup.headers);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await agora?.app.close();
  });

  it('uploads, tweets, and the feed attachment URL answers 200 image/png via the proxy', async () => {
    const mount = setup.config.MOUNT_MICROBLOG === '/' ? '' : '/microblog';
    const { headers } = await blogger(agora, `${mount}/api`);
    // Unique bytes: each app of this file has its own storage directory, and images are found by content.
    const image = Buffer.concat([PNG, Buffer.from(name)]);
    const mp = multipart(image, 'pic.png');
    const media = await fetch(`${base}${setup.api}/medias`, {
      method: 'POST',
      headers: { ...headers, ...mp.headers },
      body: mp.payload,
    });
    expect(media.status).toBe(201);
    const { media_id } = (await media.json()) as { media_id: number };
    const posted = await fetch(`${base}${setup.api}/tweets`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ tweet_data: 'through the proxy', tweet_media_ids: [media_id] }),
    });
    expect(posted.status).toBe(201);

    const feed = (await (await fetch(`${base}${setup.api}/tweets`, { headers })).json()) as {
      tweets: { content: string; attachments: string[] }[];
    };
    const [url] = feed.tweets.find((t) => t.content === 'through the proxy')!.attachments;
    expect(url).toMatch(setup.media);
    const img = await fetch(new URL(url!, base));
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await img.arrayBuffer()).equals(image)).toBe(true);
  });
});

describe('X-Forwarded-Prefix is read only from a trusted proxy, and only as a path', () => {
  it('ignores it without TRUST_PROXY and refuses anything but path segments', async () => {
    for (const [trust, sent, expected] of [
      ['false', '/blog', /^\/api\/medias\//],
      ['true', '//evil.example', /^\/api\/medias\//],
      ['true', 'https://evil.example/x', /^\/api\/medias\//],
      ['true', '/ok/path/', /^\/ok\/path\/api\/medias\//],
    ] as const) {
      const agora = await testApp({ TRUST_PROXY: trust });
      try {
        const b = await blogger(agora);
        const mp = multipart(Buffer.concat([PNG, Buffer.from(`xfp ${trust} ${sent}`)]), 'p.png');
        const up = await agora.app.inject({
          method: 'POST',
          url: '/microblog/api/medias',
          headers: { ...b.headers, ...mp.headers },
          payload: mp.payload,
        });
        await agora.app.inject({
          method: 'POST',
          url: '/microblog/api/tweets',
          headers: b.headers,
          payload: { tweet_data: 'xfp', tweet_media_ids: [up.json().media_id] },
        });
        const feed = await agora.app.inject({
          url: '/microblog/api/tweets',
          headers: { ...b.headers, 'x-forwarded-prefix': sent },
        });
        expect(feed.json().tweets[0].attachments[0], `${trust} ${sent}`).toMatch(expected);
      } finally {
        await agora.app.close();
      }
    }
  });
});
