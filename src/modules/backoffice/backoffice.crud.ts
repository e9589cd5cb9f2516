import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { errorResponses } from './backoffice.docs.js';
import type { FileRef } from './backoffice.tables.js';
import type { BackofficeAuth } from './backoffice.auth.js';
import { methodNotAllowed, notFound } from './backoffice.errors.js';
import { readBody, type Body, type Page } from './backoffice.http.js';
import { authorize, mayChange, visibility, type Caller, type Resource, type Visibility } from './backoffice.policy.js';

/** What a handler gets besides its arguments: the caller, the request (for links) and a file-URL signer. */
export interface RequestCtx {
  caller: Caller;
  req: FastifyRequest;
  url(ref: FileRef | null): Promise<string | null>;
}

/** One DRF ModelViewSet: the routes come from here, the rules from the policy, the work from the service. */
export interface ResourceDef<Id extends string | number = string | number> {
  resource: Resource;
  /** Model name in 404 messages ("No Partner matches the given query."). */
  model: string;
  path: string;
  idKind: 'int' | 'uuid';
  /** Whether the caller's partner decides what they see (owners' and teachers' partner lookup). */
  byPartner: boolean;
  plural: string;
  /** Query filters, for the docs. */
  filters?: Record<string, TSchema>;
  /** Request body, for the docs (the module validates bodies itself, with DRF's messages). */
  body?: TSchema;
  multipart?: boolean;
  list(c: RequestCtx, vis: Visibility): Promise<Page<unknown>>;
  /** Whether the row exists among those the caller sees. */
  find(c: RequestCtx, vis: Visibility, id: Id): Promise<boolean>;
  retrieve(c: RequestCtx, vis: Visibility, id: Id): Promise<unknown>;
  create(c: RequestCtx, body: Body): Promise<unknown>;
  update(c: RequestCtx, vis: Visibility, id: Id, body: Body, partial: boolean): Promise<unknown>;
  remove(c: RequestCtx, vis: Visibility, id: Id): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const security = [{ bearer: [] as string[] }];
const AUTH_NOTE =
  ' Authenticated by the `access_token` cookie (unsafe methods need a same-origin Origin) or a Bearer token.';

/** Routes validate and serialise bodies themselves: Ajv must neither reject nor coerce, nor the serializer drop. */
export const raw = {
  validatorCompiler: () => () => true,
  serializerCompiler: () => (data: unknown) => JSON.stringify(data),
};

export function crudRoutes(
  app: FastifyInstance,
  auth: BackofficeAuth,
  url: (req: FastifyRequest, ref: FileRef | null) => Promise<string | null>,
  def: ResourceDef,
) {
  const item = `${def.path}:id/`;
  const ctxOf = async (req: FastifyRequest): Promise<RequestCtx> => ({
    caller: await auth.callerOf(req, { partner: def.byPartner }),
    req,
    url: (ref) => url(req, ref),
  });
  const idOf = (req: FastifyRequest): string | number => {
    const raw = (req.params as { id: string }).id;
    if (def.idKind === 'uuid') {
      if (!UUID.test(raw)) throw notFound(def.model);
      return raw.toLowerCase();
    }
    if (!/^\d{1,15}$/.test(raw)) throw notFound(def.model);
    return Number(raw);
  };
  /** The row must be visible (else 404), then changeable (else 403). */
  const changeable = async (c: RequestCtx, action: 'update' | 'delete') => {
    authorize(c.caller, def.resource, action);
    const vis = visibility(c.caller, def.resource);
    const id = idOf(c.req);
    if (!(await def.find(c, vis, id))) throw notFound(def.model);
    mayChange(c.caller, def.resource, action);
    return { vis, id };
  };

  const params = Type.Object({
    id: Type.String({ description: def.idKind === 'uuid' ? 'user id (UUID)' : 'integer id' }),
  });
  const page = Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('last'), Type.Literal('')], {
    description: 'page number (20 a page) or "last"',
  });
  const query = Type.Object(
    Object.fromEntries(Object.entries({ page, ...def.filters }).map(([k, s]) => [k, Type.Optional(s)])),
  );
  const body = def.body
    ? { body: def.body, ...(def.multipart ? { consumes: ['application/json', 'multipart/form-data'] } : {}) }
    : {};
  const partialBody = def.body ? { ...body, body: Type.Partial(def.body) } : {};
  const doc = (summary: string, extra: Record<string, unknown>, ok: number, errors: Record<number, TSchema>) => ({
    ...raw,
    schema: {
      summary: summary + AUTH_NOTE,
      security,
      ...extra,
      response: { [ok]: ok === 204 ? Type.Null({ description: 'Deleted' }) : Type.Unknown(), ...errors },
    },
  });
  const listErrors = errorResponses(400, 401, 403, 404, 429);
  const writeErrors = errorResponses(400, 401, 403, 404, 413, 415, 429);
  const readErrors = errorResponses(401, 403, 404, 429);

  app.get(
    def.path,
    doc(`List ${def.plural} (DRF page {count, next, previous, results})`, { querystring: query }, 200, listErrors),
    async (req) => {
      const c = await ctxOf(req);
      authorize(c.caller, def.resource, 'list');
      return def.list(c, visibility(c.caller, def.resource));
    },
  );
  app.post(def.path, doc(`Create a ${def.model.toLowerCase()}`, body, 201, writeErrors), async (req, reply) => {
    const c = await ctxOf(req);
    authorize(c.caller, def.resource, 'create');
    return reply.code(201).send(await def.create(c, await readBody(req)));
  });
  app.get(item, doc(`One ${def.model.toLowerCase()}`, { params }, 200, readErrors), async (req) => {
    const c = await ctxOf(req);
    authorize(c.caller, def.resource, 'retrieve');
    const out = await def.retrieve(c, visibility(c.caller, def.resource), idOf(req));
    if (out === undefined) throw notFound(def.model);
    return out;
  });
  const update = (partial: boolean) => async (req: FastifyRequest) => {
    const c = await ctxOf(req);
    const { vis, id } = await changeable(c, 'update');
    return def.update(c, vis, id, await readBody(req), partial);
  };
  app.put(item, doc(`Update a ${def.model.toLowerCase()}`, { params, ...body }, 200, writeErrors), update(false));
  app.patch(
    item,
    doc(`Partially update a ${def.model.toLowerCase()}`, { params, ...partialBody }, 200, writeErrors),
    update(true),
  );
  app.delete(
    item,
    doc(`Delete a ${def.model.toLowerCase()}`, { params }, 204, readErrors),
    async (req, reply: FastifyReply) => {
      const c = await ctxOf(req);
      const { vis, id } = await changeable(c, 'delete');
      await def.remove(c, vis, id);
      return reply.code(204).send();
    },
  );
  methodGuard(app, auth, def.path, ['GET', 'POST']);
  methodGuard(app, auth, item, ['GET', 'PUT', 'PATCH', 'DELETE']);
}

/** DRF's 405 for the methods a path does not serve; as in DRF, authentication comes first. */
export function methodGuard(
  app: FastifyInstance,
  auth: BackofficeAuth | undefined,
  url: string,
  allowed: HTTPMethods[],
) {
  const all: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  const others = all.filter((m) => !allowed.includes(m));
  if (!others.length) return;
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  app.route({
    method: others,
    url,
    schema: { hide: true },
    ...raw,
    handler: async (req, reply) => {
      if (auth) await auth.actorOf(req);
      void reply.header('allow', allow);
      throw methodNotAllowed(req.method);
    },
  });
}
