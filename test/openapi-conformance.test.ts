import { randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../src/app.js';
import { testApp, unique } from './helpers/app.js';
import {
  documentedResponse,
  fillPath,
  mediaMatches,
  schemaChecker,
  type OpenApiDocument,
  type Operation,
  type Schema,
} from './helpers/openapi.js';
import { multipart, PNG } from './files/fixtures.js';
import { FIXTURES, Fixtures } from './conformance/index.js';
import { identityProviders } from './conformance/identity.js';

/**
 * Every route of /openapi.json, called as a client generated from the document would: a valid request (built
 * from the documented schemas, plus real ids from the fixture table below where the document cannot know
 * them), then missing credentials (401), bad input (4xx), an unknown id (404) and every method the path
 * lacks (405 with Allow). Each real response must have a documented status, a body valid against the schema
 * documented for that status, and a Content-Type among the documented media types. New modules are walked
 * as soon as they are mounted; a route whose valid request needs real ids gets a line in its module's table in
 * test/conformance/.
 */

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Text that fits a string schema: unique where it can be (names must often be), else the first that fits. */
function text(s: Schema): string {
  if (s.enum) return String(s.enum[0]);
  if (s.format === 'email') return `${unique('mail')}@example.test`;
  if (s.format === 'uuid') return randomUUID();
  if (s.format === 'date-time') return new Date().toISOString();
  if (s.format === 'date') return new Date().toISOString().slice(0, 10);
  if (s.format === 'uri') return `https://example.test/${unique('u')}`;
  const base = unique('s');
  const candidates = [base, `${base}${'x'.repeat(s.minLength ?? 0)}`, '1', 'abcd', '*:write'];
  const fits = (c: string) =>
    c.length >= (s.minLength ?? 0) &&
    c.length <= (s.maxLength ?? Infinity) &&
    (!s.pattern || new RegExp(s.pattern, 'u').test(c));
  const found = candidates.find(fits);
  if (found === undefined) throw new Error(`no sample text fits ${JSON.stringify(s)}`);
  return found;
}

/** A minimal valid value of a schema: required properties only, the first alternative of a union. */
/** A bare JSON value (not an object): sent as JSON text. */
const bare = (v: unknown) => v !== undefined && (v === null || typeof v !== 'object');

function sample(s: Schema | undefined): unknown {
  if (!s) return {};
  if (s.const !== undefined) return s.const;
  if (s.default !== undefined) return s.default;
  if (s.anyOf ?? s.oneOf) return sample((s.anyOf ?? s.oneOf)![0]);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      return text(s);
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items));
    default: {
      const out: Record<string, unknown> = {};
      for (const name of s.required ?? []) out[name] = sample(s.properties?.[name]);
      return out;
    }
  }
}

/** A value of another type than the schema's, which no field of any module's contract accepts. */
function wrongValue(s: Schema | undefined): unknown {
  const type = Array.isArray(s?.type) ? s!.type.find((t) => t !== 'null') : s?.type;
  return type === 'string' ? true : type === 'boolean' ? 'not a boolean' : 'not a number';
}

interface Call {
  label: string;
  res: LightMyRequestResponse;
}

describe('OpenAPI conformance: every documented route answers as its document says', () => {
  let agora: Agora;
  let doc: OpenApiDocument;
  let stopWorkers: () => Promise<void>;
  let providers: Awaited<ReturnType<typeof identityProviders>> | undefined;
  const check = schemaChecker();

  beforeAll(async () => {
    providers = await identityProviders();
    agora = await testApp({
      ...providers.config,
      RATE_LIMIT_ENABLED: 'false',
      MESSENGER_RATE_LIMIT_ENABLED: 'false',
      JOBS_POLL_INTERVAL: '100ms',
    });
    stopWorkers = agora.startWorkers();
    const res = await agora.app.inject({ url: '/openapi.json' });
    doc = res.json();
  });
  afterAll(async () => {
    await stopWorkers?.();
    await agora?.app.close();
    await providers?.close();
  });

  /** Problems with one response, against the operation's documented responses. */
  function disagreements(op: Operation, { label, res }: Call): string[] {
    const documented = documentedResponse(op, res.statusCode);
    if (!documented) return [`${label}: status ${res.statusCode} is not documented (${res.body.slice(0, 120)})`];
    const content = documented.content;
    const type = res.headers['content-type'] as string | undefined;
    if (!content) {
      return res.body === '' ? [] : [`${label}: ${res.statusCode} documents no body, got ${res.body.slice(0, 80)}`];
    }
    if (!mediaMatches(Object.keys(content), type)) {
      return [`${label}: Content-Type ${type ?? '(none)'} is not one of ${Object.keys(content).join(', ')}`];
    }
    const media = Object.entries(content).find(([m]) => mediaMatches([m], type))![1];
    if (!type!.includes('json') || !media.schema) return [];
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      return [`${label}: ${type} body is not JSON: ${res.body.slice(0, 80)}`];
    }
    const problem = check(media.schema, body);
    return problem ? [`${label}: ${res.statusCode} body disagrees with its schema: ${problem}`] : [];
  }

  it('names every security scheme it uses in components.securitySchemes', () => {
    const schemes = Object.keys(doc.components?.securitySchemes ?? {});
    const used = new Set(
      Object.values(doc.paths)
        .flatMap((ops) => Object.values(ops))
        .flatMap((op) => (op.security ?? []).flatMap((r) => Object.keys(r))),
    );
    expect(used.size).toBeGreaterThanOrEqual(3);
    for (const name of used) expect(schemes, name).toContain(name);
  });

  it('answers every route as documented: success, no credentials, bad input, unknown id, other methods', async () => {
    const f = new Fixtures(agora);
    const problems: string[] = [];
    let requests = 0;
    const send = async (op: Operation, label: string, opts: InjectOptions) => {
      requests++;
      const res = await agora.app.inject(opts);
      problems.push(...disagreements(op, { label, res }));
      return res;
    };
    const failed = (res: LightMyRequestResponse) => res.statusCode >= 400;

    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      METHODS.filter((m) => ops[m]).map((m) => ({ path, method: m.toUpperCase(), op: ops[m]! })),
    );
    expect(operations.length).toBeGreaterThan(60);

    for (const { path, method, op } of operations) {
      const key = `${method} ${path}`;
      const fixture = FIXTURES[key] ?? {};
      const scheme = Object.keys((op.security ?? []).find((r) => Object.keys(r).length) ?? {})[0];
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
      const [mediaType, media] = Object.entries(op.requestBody?.content ?? {})[0] ?? [];
      const form = mediaType === 'multipart/form-data';

      /** A valid request on fresh state (a new account, new fixtures), to be varied by one part. */
      const prepare = async () => {
        const me = await f.actor();
        const built = fixture.ok ? await fixture.ok(f, me) : {};
        const params = Object.fromEntries(pathParams.map((p) => [p.name, String(sample(p.schema))]));
        Object.assign(params, built.params);
        const query: Record<string, string> = {};
        for (const p of (op.parameters ?? []).filter((q) => q.in === 'query' && q.required)) {
          query[p.name] = String(sample(p.schema));
        }
        Object.assign(query, built.query);
        // A body may be a bare JSON value (an integer, a boolean) where the document says so.
        const sampled = media && !form ? sample(media.schema) : undefined;
        const body =
          media && !form
            ? sampled !== null && typeof sampled === 'object'
              ? { ...(sampled as object), ...built.body }
              : sampled
            : undefined;
        const who = built.as ?? me;
        return {
          built,
          params,
          query,
          body: body as Record<string, unknown> | undefined,
          send: (
            label: string,
            over: { params?: object; query?: object; body?: unknown; anonymous?: boolean } = {},
          ) => {
            const q = new URLSearchParams((over.query ?? query) as Record<string, string>).toString();
            const url = fillPath(path, (over.params ?? params) as Record<string, string>) + (q ? `?${q}` : '');
            const payload = 'body' in over ? over.body : body;
            const mp = form && !('body' in over) ? multipart(Buffer.concat([PNG, Buffer.from(unique())])) : undefined;
            return send(op, `${key} (${label})`, {
              method: method as 'GET',
              url,
              headers: {
                ...(mp?.headers ?? {}),
                ...(bare(payload) ? { 'content-type': 'application/json' } : {}),
                ...built.headers,
                ...(scheme && !over.anonymous ? who.creds[scheme] : {}),
              },
              payload: mp ? mp.payload : bare(payload) ? JSON.stringify(payload) : (payload as object | undefined),
            });
          },
        };
      };

      // 1. The valid request succeeds...
      const base = await prepare();
      const ok = await base.send('valid');
      if (failed(ok)) problems.push(`${key}: ${ok.statusCode} to a valid request ${ok.body.slice(0, 160)}; a fixture?`);

      // ...and so does it with every documented optional query parameter.
      const optional = (op.parameters ?? []).filter((p) => p.in === 'query' && !p.required);
      if (optional.length) {
        const r = await prepare();
        const q: Record<string, string> = { ...r.query };
        for (const p of optional) q[p.name] ??= String(sample(p.schema));
        for (const [name, value] of Object.entries(r.built.optional ?? {})) {
          if (value === null) delete q[name];
          else q[name] = value;
        }
        const res = await r.send(`with ${Object.keys(q).join(', ')}`, { query: q });
        if (failed(res))
          problems.push(`${key} with ${Object.keys(q).join(', ')}: ${res.statusCode} ${res.body.slice(0, 160)}`);
      }

      // 2. Without credentials: 401 where the document requires them.
      const required = (op.security ?? []).length > 0 && !(op.security ?? []).some((r) => !Object.keys(r).length);
      if (required) {
        const res = await (await prepare()).send('no credentials', { anonymous: true });
        if (res.statusCode !== 401) problems.push(`${key}: ${res.statusCode} without credentials, not 401`);
      }

      // 3. Bad input: a 4xx for what the document refuses.
      const bad: [string, (r: Awaited<ReturnType<typeof prepare>>) => object][] = [];
      if (form) bad.push(['JSON instead of a form', () => ({ body: { file: 'x' } })]);
      for (const [name, prop] of Object.entries(media?.schema?.properties ?? {})) {
        if (form) break;
        bad.push([`${name} mistyped`, (r) => ({ body: { ...r.body, [name]: wrongValue(prop) } })]);
      }
      for (const name of form ? [] : (media?.schema?.required ?? [])) {
        bad.push([
          `${name} left out`,
          (r) => ({ body: Object.fromEntries(Object.entries(r.body ?? {}).filter(([k]) => k !== name)) }),
        ]);
      }
      for (const p of op.parameters ?? []) {
        if (p.in === 'query' && p.required) {
          bad.push([
            `${p.name} left out`,
            (r) => ({ query: Object.fromEntries(Object.entries(r.query).filter(([k]) => k !== p.name)) }),
          ]);
        }
        const t = p.schema?.type;
        const wrong =
          t === 'integer' || t === 'number' ? 'abc' : p.schema?.format === 'uuid' ? 'not-a-uuid' : undefined;
        if (wrong === undefined) continue;
        if (p.in === 'path') bad.push([`${p.name} mistyped`, (r) => ({ params: { ...r.params, [p.name]: wrong } })]);
        if (p.in === 'query') bad.push([`${p.name} mistyped`, (r) => ({ query: { ...r.query, [p.name]: wrong } })]);
      }
      for (const [what, vary] of bad) {
        const r = await prepare();
        const res = await r.send(what, vary(r));
        if (res.statusCode < 400 || res.statusCode >= 500)
          problems.push(`${key} (${what}): ${res.statusCode}, not 4xx`);
      }

      // 4. Blank text: the document and the server agree on whether it is refused. A blank that the server
      // refuses like any other wrong value (a wrong password) is no disagreement: the control tells.
      const strings = form
        ? []
        : Object.entries(media?.schema?.properties ?? {}).filter(([, s]) => s.type === 'string');
      for (const [name, prop] of strings) {
        if (prop.format || prop.enum) continue;
        for (const blank of ['', '   ']) {
          const r = await prepare();
          const body = { ...r.body, [name]: blank };
          const documented = check(media!.schema!, body) === undefined;
          const res = await r.send(`${name} ${JSON.stringify(blank)}`, { body });
          if (!documented && !failed(res))
            problems.push(
              `${key}: ${name} ${JSON.stringify(blank)} refused by the document, accepted (${res.statusCode})`,
            );
          if (documented && (res.statusCode === 400 || res.statusCode === 422)) {
            const c = await prepare();
            const control = await c.send(`${name} control`, { body: { ...c.body, [name]: text(prop) } });
            if (!failed(control))
              problems.push(
                `${key}: ${name} ${JSON.stringify(blank)} allowed by the document, refused (${res.statusCode} ${res.body.slice(0, 100)})`,
              );
          }
        }
      }

      // ...and an empty query parameter, where the document refuses it: a 4xx.
      for (const p of (op.parameters ?? []).filter((q) => q.in === 'query' && q.schema)) {
        if (check(p.schema!, '') === undefined) continue;
        const r = await prepare();
        const res = await r.send(`${p.name}=`, { query: { ...r.query, [p.name]: '' } });
        if (!(res.statusCode >= 400 && res.statusCode < 500)) {
          problems.push(`${key}: ${p.name}= refused by the document, answered ${res.statusCode}`);
        }
      }

      // 5. An unknown id: 404.
      if (pathParams.length) {
        const r = await prepare();
        const nf = fixture.notFound ? await fixture.notFound(f, await f.actor()) : undefined;
        const unknown = nf
          ? (nf.params ?? {})
          : Object.fromEntries(
              pathParams.map((p) => [
                p.name,
                p.schema?.format === 'uuid'
                  ? randomUUID()
                  : p.schema?.type === 'integer'
                    ? String(Math.min(p.schema.maximum ?? 2e9, 2_000_000_000))
                    : unique('unknown'),
              ]),
            );
        const res = await r.send('unknown id', { params: unknown, ...(nf?.query ? { query: nf.query } : {}) });
        if (res.statusCode !== 404) problems.push(`${key} (unknown id): ${res.statusCode}, not 404`);
      }
    }

    // 6. Every method a path lacks: 405, Allow naming the documented ones, the module's error envelope.
    for (const [path, ops] of Object.entries(doc.paths)) {
      const documented = METHODS.filter((m) => ops[m]);
      const first = ops[documented[0]!]!;
      const scheme = Object.keys((first.security ?? []).find((r) => Object.keys(r).length) ?? {})[0];
      const errorOp = documented.map((m) => ops[m]!).find((op) => op.responses['404'] ?? op.responses['400']);
      const me = await f.actor();
      const url = path.replace(/\{[^}]+\}/g, '1');
      for (const missing of METHODS.filter((m) => !ops[m])) {
        requests++;
        const label = `${missing.toUpperCase()} ${path} (not documented)`;
        const res = await agora.app.inject({
          method: missing.toUpperCase() as 'GET',
          url,
          headers: scheme ? me.creds[scheme] : {},
        });
        if (res.statusCode !== 405) {
          problems.push(`${label}: ${res.statusCode}, not 405`);
          continue;
        }
        const allow = String(res.headers.allow ?? '').split(/,\s*/);
        for (const m of documented) if (!allow.includes(m.toUpperCase())) problems.push(`${label}: Allow lacks ${m}`);
        if (allow.includes(missing.toUpperCase())) problems.push(`${label}: Allow names ${missing}`);
        if (errorOp) {
          const envelope = { ...errorOp, responses: { 405: errorOp.responses['404'] ?? errorOp.responses['400']! } };
          problems.push(...disagreements(envelope, { label, res }));
        }
      }
    }

    console.log(`OpenAPI conformance: ${operations.length} operations, ${requests} requests`);
    expect(problems, problems.join('\n')).toEqual([]);
  }, 1_800_000);
});
