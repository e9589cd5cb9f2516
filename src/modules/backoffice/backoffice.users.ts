import { q } from './backoffice.docs.js';
import type { ResourceDef } from './backoffice.crud.js';
import { type Deps } from './backoffice.deps.js';
import { invalid, notFound } from './backoffice.errors.js';
import { readFilters, text } from './backoffice.filters.js';
import { paginate } from './backoffice.http.js';
import { UserBody, userOut, type People } from './backoffice.people.js';
import { peopleRepository as repo } from './backoffice.people.repository.js';

/** The original's UserViewSet (superusers only, by the policy): newest first, JSON, form or multipart. */
export function usersResource(deps: Deps, people: People): ResourceDef<string> {
  const { db } = deps;
  const reread = async (c: Parameters<ResourceDef['create']>[0], id: string) => {
    const u = await repo.user(db, id);
    if (!u) throw notFound('User');
    return userOut(c, u);
  };
  const read = async (data: unknown, form: boolean, partial: boolean, selfId?: string) => {
    const r = await people.readUser(data, {
      form,
      partial,
      selfId,
      // The contract's groups for a user are owner and teacher (or one a superuser made), never superuser.
      superuserRefused: '"superuser" is not a valid choice.',
    });
    if (!r.ok) throw invalid(r.errors);
    return r.value;
  };

  return {
    resource: 'user',
    model: 'User',
    path: '/api/users/',
    idKind: 'uuid',
    byPartner: false,
    plural: 'back-office users, newest first',
    filters: { search: q.text('every word matches a name or the email') },
    body: UserBody,
    multipart: true,
    async list(c) {
      const { search } = readFilters(c.req, { search: text });
      return paginate(
        c.req,
        () => repo.countUsers(db, search),
        async (limit, offset) =>
          Promise.all((await repo.listUsers(db, search, limit, offset)).map((u) => userOut(c, u))),
      );
    },
    find: async (_c, _vis, id) => Boolean(await repo.user(db, id)),
    retrieve: async (c, _vis, id) => {
      const u = await repo.user(db, id);
      return u && userOut(c, u);
    },
    async create(c, body) {
      return reread(c, await people.createAccount(await read(body.data, body.form, false)));
    },
    async update(c, _vis, id, body, partial) {
      await people.updateAccount(id, await read(body.data, body.form, partial, id));
      return reread(c, id);
    },
    remove: async (_c, _vis, id) => people.removeAccount(id),
  };
}
