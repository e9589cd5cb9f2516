/**
 * Who may do what in the back office — the contract's matrix, in one place. Routes ask `authorize` before
 * anything else, `visibility` to filter what a caller sees, and `mayChange` once the row is found.
 *
 *   resource                    superuser  owner (own partner only)                   teacher (read only)
 *   courses                     all        view all; change only a course's teachers   only courses assigned to them
 *   lessons                     all        view                                       lessons of their courses
 *   categories                  all        view                                       all
 *   partners                    all        view and change their own                  their own partner
 *   branches, employees         all        full CRUD, partner forced to their own     their partner's, read
 *   users, groups, permissions  all        403                                        403
 *
 * A caller with no group gets 403 on every model endpoint; anonymous callers never get here (401). What a caller
 * may not see answers 404; what they may see but not change answers 403. Besides the group, a caller needs the
 * Django codename of the action (view_/add_/change_/delete_<model>) from their groups, unless a superuser.
 */
import type { Actor } from '../identity/index.js';
import { forbidden } from './backoffice.errors.js';

export type Resource =
  'partner' | 'branch' | 'employee' | 'user' | 'group' | 'permission' | 'course' | 'category' | 'lesson';
export type Action = 'list' | 'retrieve' | 'create' | 'update' | 'delete';
export type Group = 'superuser' | 'owner' | 'teacher';
export const GROUPS: readonly Group[] = ['superuser', 'owner', 'teacher'];

/** Which rows a caller sees: all, those of one partner, or those tied to the courses a teacher teaches. */
export type Visibility =
  { kind: 'all' } | { kind: 'partner'; partnerId: number | null } | { kind: 'teacher'; userId: string };

type Sees = 'all' | 'partner' | 'taught';
interface Rule {
  sees: Sees;
  /** Changes allowed on what the caller sees. */
  can: ('create' | 'update' | 'delete')[];
  /** The only fields the caller may change (any other field in the body is a 403). */
  onlyFields?: string[];
  /** Fields the caller's input cannot set (DRF read_only_fields: ignored); `partner` is forced to theirs. */
  readOnly?: string[];
}

const READ: Pick<Rule, 'can'> = { can: [] };

/** The matrix. A resource missing for a group is a 403 for that group on every action. */
const RULES: Record<Exclude<Group, 'superuser'>, Partial<Record<Resource, Rule>>> = {
  owner: {
    partner: { sees: 'partner', can: ['update'], readOnly: ['owner'] },
    branch: { sees: 'partner', can: ['create', 'update', 'delete'], readOnly: ['partner'] },
    employee: { sees: 'partner', can: ['create', 'update', 'delete'], readOnly: ['partner'] },
    course: { sees: 'all', can: ['update'], onlyFields: ['teachers'] },
    lesson: { sees: 'all', ...READ },
    category: { sees: 'all', ...READ },
  },
  teacher: {
    partner: { sees: 'partner', ...READ },
    branch: { sees: 'partner', ...READ },
    employee: { sees: 'partner', ...READ },
    course: { sees: 'taught', ...READ },
    lesson: { sees: 'taught', ...READ },
    category: { sees: 'all', ...READ },
  },
};

const CODENAME_ACTION: Record<Action, string> = {
  list: 'view',
  retrieve: 'view',
  create: 'add',
  update: 'change',
  delete: 'delete',
};

/** The back-office caller: their group and, for owners and teachers, the partner they belong to. */
export interface Caller {
  actor: Actor;
  userId: string;
  group: Group | undefined;
  /** Owner: the partner they own; teacher: their employee's partner (null when they have none). */
  partnerId: number | null;
}

/** The group of an identity actor: a superuser account, else the first of its roles that is a back-office group. */
export function groupOf(actor: Actor): Group | undefined {
  if (actor.isSuperuser) return 'superuser';
  return GROUPS.find((g) => actor.roles.includes(g));
}

/** Whether a group's rows depend on the caller's partner (the caller's partner must be looked up). */
export const needsPartner = (group: Group | undefined) => group === 'owner' || group === 'teacher';

const hasCodename = (caller: Caller, resource: Resource, action: Action) =>
  caller.actor.isSuperuser || caller.actor.permissions.includes(`backoffice.${CODENAME_ACTION[action]}_${resource}`);

function ruleOf(caller: Caller, resource: Resource): Rule | 'all' {
  if (!caller.group) throw forbidden();
  if (caller.group === 'superuser') return 'all';
  const rule = RULES[caller.group][resource];
  if (!rule) throw forbidden();
  return rule;
}

/**
 * Checks what can be checked before any row is read: a group, a resource the group may use, the view codename
 * (every action starts by seeing), and for `create` the right to create. Throws 403.
 */
export function authorize(caller: Caller, resource: Resource, action: Action): void {
  const rule = ruleOf(caller, resource);
  if (!hasCodename(caller, resource, 'list')) throw forbidden();
  if (action === 'create') {
    if (rule !== 'all' && !rule.can.includes('create')) throw forbidden();
    if (!hasCodename(caller, resource, 'create')) throw forbidden();
  }
}

/** The rows of `resource` the caller sees (call after `authorize`). */
export function visibility(caller: Caller, resource: Resource): Visibility {
  const rule = ruleOf(caller, resource);
  if (rule === 'all' || rule.sees === 'all') return { kind: 'all' };
  if (rule.sees === 'partner') return { kind: 'partner', partnerId: caller.partnerId };
  return { kind: 'teacher', userId: caller.userId };
}

/** After the row was found among those the caller sees: may they update or delete it? Throws 403. */
export function mayChange(caller: Caller, resource: Resource, action: 'update' | 'delete'): void {
  const rule = ruleOf(caller, resource);
  if (rule !== 'all' && !rule.can.includes(action)) throw forbidden();
  if (!hasCodename(caller, resource, action)) throw forbidden();
}

/** The only fields the caller may write on `resource` (undefined: all of them). */
export function onlyFields(caller: Caller, resource: Resource): string[] | undefined {
  const rule = ruleOf(caller, resource);
  return rule === 'all' ? undefined : rule.onlyFields;
}

/** Fields of `resource` the caller's input cannot set. */
export function readOnlyFields(caller: Caller, resource: Resource): string[] {
  const rule = ruleOf(caller, resource);
  return rule === 'all' ? [] : (rule.readOnly ?? []);
}

/** Whether what the caller creates of `resource` belongs to their own partner, whatever the body says. */
export const forcesPartner = (caller: Caller, resource: Resource) =>
  readOnlyFields(caller, resource).includes('partner');

/** Codenames each group gets from the seed's fill_groups: exactly what the matrix lets it do. */
export function defaultCodenames(group: Group, all: string[]): string[] {
  if (group === 'superuser') return all;
  const out: string[] = [];
  for (const [resource, rule] of Object.entries(RULES[group]) as [Resource, Rule][]) {
    out.push(`view_${resource}`, ...rule.can.map((a) => `${CODENAME_ACTION[a]}_${resource}`));
  }
  return out.filter((c) => all.includes(c)).sort();
}
