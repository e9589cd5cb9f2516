import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Liquid } from 'liquidjs';
import { layoutTemplates } from './admin.views.js';
import { resourceTemplates } from './admin.views.resource.js';

const templates = Object.fromEntries(
  Object.entries({ ...layoutTemplates, ...resourceTemplates }).map(([name, text]) => [`${name}.liquid`, text]),
);

const options = { templates, extname: '.liquid', outputEscape: 'escape', strictFilters: true, cache: true } as const;
const engine = new Liquid(options);
/** Its own engine: a template cached by an asynchronous render cannot be reused by a synchronous one. */
const syncEngine = new Liquid({ ...options, templates: { ...templates }, cache: false });

export type PageName = keyof typeof layoutTemplates | keyof typeof resourceTemplates;

/** Renders a page of the panel; every value is escaped. */
export const renderPage = (name: PageName, data: Record<string, unknown>): Promise<string> =>
  engine.renderFile(name, data) as Promise<string>;

/** htmx, served from node_modules (no bundle is built or committed). */
export const htmxScript = (): Buffer =>
  readFileSync(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'));

/** Error pages are rendered synchronously (the kernel's error handler expects the body at once). */
export const renderPageSync = (name: PageName, data: Record<string, unknown>): string =>
  syncEngine.renderFileSync(name, data) as string;
