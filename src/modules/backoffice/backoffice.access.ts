import { Type } from 'typebox';
import { accessRepository as repo, type GroupRow, type PermissionRow } from './backoffice.access.repository.js';
import type { ResourceDef } from './backoffice.crud.js';
import { nonBlank, q } from './backoffice.docs.js';
import { uniqueViolation, type Deps } from './backoffice.deps.js';
import { invalid, noGroup, notFound } from './backoffice.errors.js';
import { char, choice, pkList, validate, type Spec } from './backoffice.fields.js';
import { readFilters, text } from './backoffice.filters.js';
import { paginate } from './backoffice.http.js';
import { GROUPS, defaultCodenames, groupOf, type Caller } from './backoffice.policy.js';

const PREFIX = 'backoffice.';
const MODELS = ['partner', 'branch', 'employee', 'user', 'group', 'permission', 'category', 'course', 'lesson'];
const DEFAULT_PERMISSIONS = MODELS.flatMap((m) =>
  ['add', 'change', 'delete', 'view'].map((a) => ({
    name: `Can ${a} ${m}`,
    codename: `${a}_${m}`,
    contentType: `backoffice.${m}`,
  })),
);
const permissionOut = (p: PermissionRow) => ({
  id: p.id,
  name: p.name,
  codename: p.codename,
  content_type: p.contentType,
});

/** Groups are identity roles (their permissions are `backoffice.<codename>` strings); permissions are a catalogue here. */
export function createAccess(deps: Deps) {
  const { db, identity } = deps;
  const svc = identity.service;

  /** Each group with the ids of its permissions, from the identity roles (two statements for any number). */
  async function groupsOut(rows: GroupRow[]) {
    const [roles, catalogue] = await Promise.all([svc.listRoles(), repo.allPermissions(db)]);
    const idOf = new Map(catalogue.map((p) => [`${PREFIX}${p.codename}`, p.id]));
    return rows.map((g) => {
      const role = roles.find((r) => r.id === g.roleId);
      const ids = (role?.permissions ?? []).map((c) => idOf.get(c)).filter((id): id is number => id !== undefined);
      return { id: g.id, name: g.name, permissions: ids.sort((a, b) => a - b) };
    });
  }

  /** Rewrites every group role's back-office codenames (`change` maps old to new; undefined drops one). */
  async function rewriteRoles(change: (codename: string) => string | undefined) {
    const groups = await repo.allGroups(db);
    for (const role of await svc.listRoles()) {
      if (!groups.some((g) => g.roleId === role.id)) continue;
      const next = role.permissions.flatMap((p) => {
        if (!p.startsWith(PREFIX)) return [p];
        const c = change(p.slice(PREFIX.length));
        return c === undefined ? [] : [`${PREFIX}${c}`];
      });
      if (next.join() !== role.permissions.join()) await svc.updateRole(role.id, { permissions: next });
    }
  }

  return {
    /**
     * Django's create_permissions (run at every migrate) and the seed's fill_groups: the view/add/change/delete
     * permissions of every model, and the superuser, owner and teacher groups with their roles — each made once.
     */
    async ensureGroups(): Promise<string[]> {
      await repo.insertMissingPermissions(db, DEFAULT_PERMISSIONS);
      const made: string[] = [];
      const all = (await repo.allPermissions(db)).map((p) => p.codename);
      for (const name of GROUPS) {
        if (await repo.groupByName(db, name)) continue;
        const role = await svc.ensureRole({ name, description: `Back-office group ${name}` });
        if (!role.permissions.some((p) => p.startsWith(PREFIX)))
          await svc.updateRole(role.id, {
            permissions: [...role.permissions, ...defaultCodenames(name, all).map((c) => PREFIX + c)],
          });
        await repo.insertGroup(db, { name, roleId: role.id }).catch((err: unknown) => {
          if (!uniqueViolation(err)) throw err;
        });
        made.push(name);
      }
      return made;
    },

    /** GET /api/user-group-permissions/: the caller's group, its codenames and their partner. */
    async userGroupPermissions(caller: Caller) {
      const group = groupOf(caller.actor);
      if (!group) throw noGroup();
      const codenames = caller.actor.isSuperuser
        ? (await repo.allPermissions(db)).map((p) => p.codename)
        : caller.actor.permissions.filter((p) => p.startsWith(PREFIX)).map((p) => p.slice(PREFIX.length));
      return {
        group_name: group,
        permissions: [...new Set(codenames)].sort(),
        partner_id: group === 'superuser' ? null : caller.partnerId,
      };
    },

    groups(): ResourceDef<number> {
      const spec = (selfId?: number): Spec => ({
        name: {
          field: async (v, ctx) => {
            const r = await char({ max: 150 })(v, ctx);
            if (!r.ok) return r;
            const other = await repo.groupByName(db, r.value!);
            if (other && other.id !== selfId) return { ok: false, errors: ['group with this name already exists.'] };
            if (selfId !== undefined && other?.id !== selfId)
              return { ok: false, errors: ['A group cannot be renamed: its identity role keeps its name.'] };
            if (!other && (await svc.listRoles()).some((role) => role.name === r.value))
              return { ok: false, errors: ['group with this name already exists.'] };
            return r;
          },
          required: true,
        },
        permissions: { field: pkList<number>('int', (ids) => repo.permissionIds(db, ids)) },
      });
      const codenames = async (ids: number[]) => (await repo.permissionsByIds(db, ids)).map((p) => PREFIX + p.codename);
      const one = async (id: number) => {
        const g = await repo.groupById(db, id);
        return g && (await groupsOut([g]))[0];
      };
      return {
        resource: 'group',
        model: 'Group',
        path: '/api/groups/',
        idKind: 'int',
        byPartner: false,
        plural: 'groups with the ids of their permissions',
        body: Type.Object({
          name: nonBlank(150),
          permissions: Type.Optional(Type.Array(Type.Integer())),
        }),
        list: async (c) =>
          paginate(
            c.req,
            () => repo.countGroups(db),
            async (limit, offset) => groupsOut(await repo.listGroups(db, { limit, offset })),
          ),
        find: async (_c, _vis, id) => Boolean(await repo.groupById(db, id)),
        retrieve: async (_c, _vis, id) => one(id),
        async create(_c, body) {
          const v = await validate(body.data, spec(), { form: body.form, partial: false });
          const role = await svc.createRole({
            name: v.name as string,
            permissions: await codenames((v.permissions as number[]) ?? []),
          });
          const row = await repo.insertGroup(db, { name: role.name, roleId: role.id }).catch(async (err: unknown) => {
            await svc.deleteRole(role.id);
            if (uniqueViolation(err)) throw invalid({ name: ['group with this name already exists.'] });
            throw err;
          });
          return (await groupsOut([row]))[0];
        },
        async update(_c, _vis, id, body, partial) {
          const g = await repo.groupById(db, id);
          if (!g) throw notFound('Group');
          const v = await validate(body.data, spec(id), { form: body.form, partial });
          if (v.permissions) {
            const role = (await svc.listRoles()).find((r) => r.id === g.roleId);
            const others = (role?.permissions ?? []).filter((p) => !p.startsWith(PREFIX));
            await svc.updateRole(g.roleId, {
              permissions: [...others, ...(await codenames(v.permissions as number[]))],
            });
          }
          return one(id);
        },
        async remove(_c, _vis, id) {
          const g = await repo.deleteGroup(db, id);
          if (g) await svc.deleteRole(g.roleId).catch(() => undefined);
        },
      };
    },

    permissions(): ResourceDef<number> {
      const spec = (selfId?: number): Spec => ({
        name: { field: char({ max: 255 }), required: true },
        codename: {
          field: async (v, ctx) => {
            const r = await char({
              max: 100,
              extra: (s) => (/^[a-z0-9_]+$/.test(s) ? [] : ['Use lower-case letters, digits and _ only.']),
            })(v, ctx);
            if (!r.ok) return r;
            const other = await repo.permissionByCodename(db, r.value!);
            return other && other.id !== selfId
              ? { ok: false, errors: ['permission with this codename already exists.'] }
              : r;
          },
          required: true,
        },
        // A model of this module, by its label (Django's integer content type ids mean nothing here).
        content_type: { field: choice(MODELS.map((m) => `${PREFIX}${m}`)), required: true },
      });
      const values = (v: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries({ name: v.name, codename: v.codename, contentType: v.content_type }).filter(
            ([, x]) => x !== undefined,
          ),
        );
      const taken = (err: unknown) => {
        if (uniqueViolation(err)) throw invalid({ codename: ['permission with this codename already exists.'] });
        throw err;
      };
      return {
        resource: 'permission',
        model: 'Permission',
        path: '/api/permissions/',
        idKind: 'int',
        byPartner: false,
        plural: 'permissions, by content type',
        filters: { search: q.text('part of the name') },
        body: Type.Object({
          name: nonBlank(255),
          codename: nonBlank(100),
          content_type: Type.String({
            enum: MODELS.map((m) => `${PREFIX}${m}`),
            description: 'a model of this module',
          }),
        }),
        async list(c) {
          const { search } = readFilters(c.req, { search: text });
          return paginate(
            c.req,
            () => repo.countPermissions(db, search),
            async (limit, offset) => (await repo.listPermissions(db, { search, limit, offset })).map(permissionOut),
          );
        },
        find: async (_c, _vis, id) => Boolean(await repo.permissionById(db, id)),
        retrieve: async (_c, _vis, id) => {
          const p = await repo.permissionById(db, id);
          return p && permissionOut(p);
        },
        async create(_c, body) {
          const v = await validate(body.data, spec(), { form: body.form, partial: false });
          return permissionOut(
            await repo
              .insertPermission(db, values(v) as { name: string; codename: string; contentType: string })
              .catch(taken),
          );
        },
        async update(_c, _vis, id, body, partial) {
          const before = await repo.permissionById(db, id);
          if (!before) throw notFound('Permission');
          const v = await validate(body.data, spec(id), { form: body.form, partial });
          const row = Object.keys(values(v)).length
            ? await repo.updatePermission(db, id, values(v)).catch(taken)
            : before;
          if (row && row.codename !== before.codename)
            await rewriteRoles((c) => (c === before.codename ? row.codename : c));
          return permissionOut(row ?? before);
        },
        async remove(_c, _vis, id) {
          const gone = await repo.deletePermission(db, id);
          if (gone) await rewriteRoles((c) => (c === gone.codename ? undefined : c));
        },
      };
    },
  };
}

export type Access = ReturnType<typeof createAccess>;
