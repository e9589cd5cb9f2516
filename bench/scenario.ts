import type { FastifyInstance } from 'fastify';
import type { Agora } from '../src/app.js';
import type { Database } from '../src/platform/db/database.js';

/** The request autocannon sends. */
export interface BenchRequest {
  path: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A load scenario: `prepare` builds its data through the real app and returns the request; `baseline`
 * builds a bare Fastify app that serves the same response (running the same SQL where the scenario does).
 */
export interface Scenario {
  name: string;
  description: string;
  connections?: number;
  /** Config values for the app under test (e.g. lifting rate limits that would otherwise answer 429). */
  config?: Record<string, string>;
  prepare(agora: Agora): Promise<BenchRequest>;
  baseline(deps: { database: Database; request: BenchRequest }): Promise<FastifyInstance>;
}
