import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Liquid } from 'liquidjs';
import { layoutTemplates } from './admin.views.js';
import { resourceTemplates } from './admin.views.resource.js';

const templates = Object.fromEntries(
  Object.entries({ ...layoutTemplates, ...resourceTemplates }).map(([name, text]) => [`${name}.liquid`, text]),
);

// Pages render synchronously: their data is gathered beforehand, and the kernel's error handler needs its page
// at once. (One engine, one mode: liquidjs's cache does not mix templates parsed by async and sync renders.)
const engine = new Liquid({ templates, extname: '.liquid', outputEscape: 'escape', strictFilters: true, cache: true });

export type PageName = keyof typeof layoutTemplates | keyof typeof resourceTemplates;

/** Renders a page of the panel; every value is escaped unless marked `raw` (pre-escaped HTML). */
export const renderPage = (name: PageName, data: Record<string, unknown>): string =>
  engine.renderFileSync(name, data) as string;

/** htmx, served from node_modules (no bundle is built or committed). */
export const htmxScript = (): Buffer =>
  readFileSync(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'));
