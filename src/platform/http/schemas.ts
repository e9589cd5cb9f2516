import { AjvCompiler } from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { Ajv, Options as AjvOptions } from 'ajv';

/**
 * Request validators and response serializers are compiled on a route's first use, not at start-up. Fastify
 * compiles every schema of every route when the app becomes ready — with all modules about 1.2 s of CPU and
 * tens of MiB for code most processes never run (a worker serves no routes; a server's first request needs
 * one). The first request of a route pays its own compilation (a few ms); the compiled function then
 * replaces the wrapper's work. A schema that does not compile fails that route's requests with a 500, which
 * the OpenAPI conformance walk (every documented route) would show.
 */
function onFirstUse<F extends (...args: never[]) => unknown>(compile: () => F): F {
  let compiled: F | undefined;
  const run = function (this: unknown, ...args: Parameters<F>) {
    compiled ??= compile();
    const result = compiled.apply(this, args);
    // Fastify reads a failed Ajv validator's `errors` from the function it called.
    (run as unknown as { errors?: unknown }).errors = (compiled as unknown as { errors?: unknown }).errors;
    return result;
  };
  return run as unknown as F;
}

/**
 * Query strings, path parameters and headers are text, so their validators coerce ("5" → 5). A body keeps the
 * types its sender gave: `[false, 0]` is not a list of permission names "false" and "0". Forms are all text
 * and list their values as such.
 */
function bodiesWithoutCoercion(externalSchemas: unknown, options?: object) {
  const build = AjvCompiler();
  const given = (options ?? {}) as { customOptions?: AjvOptions };
  const coercing = build(externalSchemas as never, given as never);
  const strict = build(
    externalSchemas as never,
    {
      ...given,
      customOptions: { ...given.customOptions, coerceTypes: false },
    } as never,
  );
  const streamed = (() => true) as unknown as ReturnType<ReturnType<typeof build>>;
  return (route: Parameters<typeof coercing>[0] & { contentType?: string }) => {
    // A multipart body is streamed to its handler, which reads the parts: its schema documents the form.
    if (route.httpPart === 'body' && route.contentType === 'multipart/form-data') return streamed;
    return (route.httpPart === 'body' ? strict : coercing)(route);
  };
}

/** Fastify's validator factory with both validator kinds (above) compiled on first use. */
export function lazyValidators(externalSchemas: unknown, options?: object) {
  const select = bodiesWithoutCoercion(externalSchemas, options);
  return (route: Parameters<typeof select>[0]) => onFirstUse(() => select(route));
}

/** Fastify's default serializer factory (fast-json-stringify), compiled on first use. */
export function lazySerializers(externalSchemas: unknown, options?: object) {
  const build = SerializerSelector()(externalSchemas as never, options as never);
  return (route: Parameters<typeof build>[0]) => onFirstUse(() => build(route));
}

/**
 * Ajv coerces the strings "1e309" and "Infinity" to Infinity and then skips minimum/maximum for it, so a
 * query like ?page=1e309 would reach SQL. Every numeric field of a request schema gets `finite: true`.
 */
export function finiteKeyword(ajv: Ajv): Ajv {
  ajv.addKeyword({
    keyword: 'finite',
    schemaType: 'boolean',
    errors: false,
    validate: (on: boolean, data: unknown) => !on || typeof data !== 'number' || Number.isFinite(data),
  });
  return ajv;
}

/**
 * A query parameter with a default may be left out (Ajv fills the default in), so it is not required: the
 * OpenAPI document says so too.
 */
export function defaultsOptional(schema: unknown): unknown {
  const s = schema as { required?: string[]; properties?: Record<string, { default?: unknown }> };
  if (!s || !Array.isArray(s.required) || !s.properties) return schema;
  const required = s.required.filter((name) => s.properties![name]?.default === undefined);
  return required.length === s.required.length ? schema : { ...s, required };
}

export function markFinite(node: unknown, depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 20) return;
  const n = node as Record<string, unknown>;
  if ((n.type === 'integer' || n.type === 'number') && n.finite === undefined) n.finite = true;
  for (const value of Object.values(n)) {
    if (Array.isArray(value)) value.forEach((v) => markFinite(v, depth + 1));
    else if (value && typeof value === 'object') markFinite(value, depth + 1);
  }
}
