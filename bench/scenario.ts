import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Agora } from '../src/app.js';
import type { Database } from '../src/platform/db/database.js';
import { API_HEADERS } from '../src/platform/http/kernel.js';

/** The request autocannon sends. */
export interface BenchRequest {
  path: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A load scenario: `prepare` builds its data through the real app and returns the request; `baseline`
 * builds a bare Fastify app, or a bare `node:http` server, that serves the same response (running the same SQL
 * where the scenario does).
 */
export interface Scenario {
  name: string;
  description: string;
  connections?: number;
  /** Config values for the app under test (e.g. lifting rate limits that would otherwise answer 429). */
  config?: Record<string, string>;
  prepare(agora: Agora): Promise<BenchRequest>;
  baseline(deps: { database: Database; request: BenchRequest }): Promise<FastifyInstance | Server>;
}

/**
 * The baseline's Fastify: bare, but its answers carry the headers every Agora API answer carries (the security
 * set and a request id), so both sides send the same response. autocannon parses every header in JavaScript
 * and, on a small machine, is the busier process: six headers more on one side alone cost that side about a
 * quarter of its req/s while measuring nothing of the server.
 */
export function bareFastify(): FastifyInstance {
  const app = Fastify();
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(API_HEADERS).header('x-request-id', randomUUID());
    done();
  });
  return app;
}
