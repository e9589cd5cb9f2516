import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Agora } from '../src/app.js';
import { API_HEADERS } from '../src/platform/http/kernel.js';
import type { BenchRequest } from './scenario.js';

const password = 'bench-password-123';

/** The module's owner-view columns: the baselines run the same SQL with no other module code. */
export { ownerView } from '../src/modules/wishlist/wishlist.repository.js';

type Row = {
  id: number;
  userId: string;
  title: string;
  description: string;
  url: string;
  price: string | null;
  isReserved: boolean;
  reservedBy: string | null;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
};

/** DRF's Wish shape, in its key order. */
export const wishJson = (w: Row) => ({
  id: w.id,
  title: w.title,
  description: w.description,
  url: w.url,
  price: w.price,
  is_reserved: w.isReserved,
  is_active: w.isActive,
  created_at: w.createdAt.toISOString(),
  updated_at: w.updatedAt.toISOString(),
  user: w.userId,
  reserved_by: w.reservedBy,
});

/**
 * The bench's JWT secret as a WebCrypto key, imported once: jose imports a raw Uint8Array (or a KeyObject) into
 * WebCrypto again on every verification, which was most of the bare server's CPU per request.
 */
export const jwtKey = () =>
  crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode('bench-secret-bench-secret-bench-secret-0001'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );

/** A new account with 20 wishes, through the real app; returns its bearer header and the wishes' ids. */
export async function seedWishes(agora: Agora): Promise<{ headers: Record<string, string>; ids: number[] }> {
  const username = `benchwl${Date.now()}`;
  await agora.app.inject({ method: 'POST', url: '/wishlist/api/register/', payload: { username, password } });
  const login = await agora.app.inject({
    method: 'POST',
    url: '/wishlist/api/login/',
    payload: { username, password },
  });
  const { access } = login.json<{ access: string }>();
  const headers = { authorization: `Bearer ${access}` };
  const ids: number[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await agora.app.inject({
      method: 'POST',
      url: '/wishlist/api/wishes/',
      headers,
      payload: {
        title: `Wish ${i}`,
        description: 'A thing I would like',
        url: 'https://example.com/x',
        price: '19.99',
      },
    });
    if (res.statusCode !== 201) throw new Error(`seeding failed: ${res.statusCode} ${res.body}`);
    ids.push(res.json<{ id: number }>().id);
  }
  return { headers, ids };
}

/**
 * A bare `node:http` server answering one JSON route the way Agora's answers look on the wire: the same body,
 * the API security headers, an `X-Request-Id`, `content-type` with its charset, and Fastify's keep-alive
 * timeout (72 s, which is in the `Keep-Alive` header). `answer` returns the body or undefined for a 404.
 */
export function bareHttp(answer: (req: IncomingMessage) => Promise<string | undefined>): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    answer(req).then(
      (body) => {
        if (body === undefined) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, {
          ...API_HEADERS,
          'x-request-id': randomUUID(),
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      },
      () => {
        res.writeHead(500).end();
      },
    );
  });
  server.keepAliveTimeout = 72_000;
  return server;
}

export type { BenchRequest };
