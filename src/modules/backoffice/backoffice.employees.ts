import { Type } from 'typebox';
import { q } from './backoffice.docs.js';
import type { RequestCtx, ResourceDef } from './backoffice.crud.js';
import { EMPLOYEE_STATUSES, statusLabel, withoutKeys, type Deps } from './backoffice.deps.js';
import { forbidden, invalid, notFound, type FieldErrors } from './backoffice.errors.js';
import { choice, int, pk, pkList, runFields, type Spec } from './backoffice.fields.js';
import { choiceOf, integer, readFilters, text } from './backoffice.filters.js';
import { paginate } from './backoffice.http.js';
import { coursesRepository as courses } from './backoffice.courses.repository.js';
import { partnersRepository as partners } from './backoffice.partners.repository.js';
import { UserBody, userOut, type People, type UserInput } from './backoffice.people.js';
import { peopleRepository as repo, type EmployeeView } from './backoffice.people.repository.js';
import { forcesPartner, readOnlyFields, type Visibility } from './backoffice.policy.js';

/** EmployeeSerializer: the nested user (the primary key), the employee's fields, then its relations. */
export const employeeOut = async (c: Pick<RequestCtx, 'url'>, e: EmployeeView) => ({
  user: await userOut(c, e.user),
  bank_account_number: e.bankAccountNumber,
  status: statusLabel(e.status),
  partner: e.partnerId,
  branches: e.branches,
  courses: e.courses,
});

export const EmployeeBody = Type.Object({
  user: UserBody,
  bank_account_number: Type.Integer(),
  status: Type.Optional(Type.Union(EMPLOYEE_STATUSES.map((s) => Type.Literal(s)))),
  partner: Type.Integer({ description: 'ignored for owners: their own partner' }),
  branches: Type.Optional(Type.Array(Type.Integer(), { description: "branches of the employee's partner" })),
  courses: Type.Optional(Type.Array(Type.Integer())),
});

/** The nested user's uniqueness conflicts found at write time, under "user" as the serializer nests them. */
const asNested = (errors: FieldErrors): FieldErrors => ({ user: errors });

export function employeesResource(deps: Deps, people: People): ResourceDef<string> {
  const { db } = deps;

  /** The employee serializer with its nested user; nested errors nest under "user". */
  async function read(c: RequestCtx, data: unknown, form: boolean, partial: boolean, selfId?: string) {
    const forced = forcesPartner(c.caller, 'employee');
    const body = withoutKeys(data, readOnlyFields(c.caller, 'employee')) as Record<string, unknown> | undefined;
    const spec: Spec = {
      bank_account_number: { field: int(), required: true },
      status: { field: choice(EMPLOYEE_STATUSES) },
      ...(forced
        ? {}
        : { partner: { field: pk<number>('int', (ids) => partners.partnerIds(db, ids)), required: true } }),
      branches: {
        field: pkList<number>('int', (ids) => partners.branchIds(db, ids, forced ? c.caller.partnerId : undefined)),
      },
      courses: { field: pkList<number>('int', (ids) => courses.courseIds(db, ids)) },
    };
    const errors: FieldErrors = {};
    let user: UserInput | undefined;
    const raw = body && typeof body === 'object' && !Array.isArray(body) ? body.user : undefined;
    if (raw === undefined) {
      if (!partial) errors.user = ['This field is required.'];
    } else if (raw === null) errors.user = ['This field may not be null.'];
    else {
      const u = await people.readUser(raw, {
        form,
        partial,
        selfId,
        superuserRefused: c.caller.group === 'superuser' ? undefined : "Employee can't be a superuser.",
      });
      if (u.ok) user = u.value;
      else errors.user = u.errors;
    }
    const r = await runFields(body, spec, { form, partial });
    if (!r.ok) Object.assign(errors, r.errors);
    if (Object.keys(errors).length) throw invalid(errors);
    const v = r.ok ? r.value : {};
    const partnerId = forced ? (selfId ? undefined : c.caller.partnerId!) : (v.partner as number | undefined);
    // Branches belong to the employee's partner.
    const branchIds = v.branches as number[] | undefined;
    if (branchIds?.length && partnerId !== undefined) {
      const own = await partners.branchIds(db, branchIds, partnerId);
      const foreign = branchIds.find((b) => !own.includes(b));
      if (foreign !== undefined) throw invalid({ branches: [`Invalid pk "${foreign}" - object does not exist.`] });
    }
    const employee = Object.fromEntries(
      Object.entries({ bankAccountNumber: v.bank_account_number, status: v.status, partnerId }).filter(
        ([, x]) => x !== undefined,
      ),
    );
    return { user, employee, branches: branchIds, courses: v.courses as number[] | undefined };
  }

  const reread = async (c: RequestCtx, id: string) => {
    const e = await repo.employee(db, { kind: 'all' }, id);
    if (!e) throw notFound('Employee');
    return employeeOut(c, e);
  };

  return {
    resource: 'employee',
    model: 'Employee',
    path: '/api/employees/',
    idKind: 'uuid',
    byPartner: true,
    plural: 'employees with their nested user, branches and courses',
    filters: {
      partner_id: q.int('partner id'),
      course_id: q.int('employees teaching this course'),
      search: q.text('every word matches a name (first, last, patronymic) or the email'),
      status: q.choice(EMPLOYEE_STATUSES, 'status'),
      group: q.text('group name (owner | teacher) or id'),
    },
    body: EmployeeBody,
    async list(c, vis: Visibility) {
      const f = readFilters(c.req, {
        partner_id: integer,
        course_id: integer,
        search: text,
        status: choiceOf(EMPLOYEE_STATUSES),
        group: text,
      });
      const filters = {
        partnerId: f.partner_id,
        courseId: f.course_id,
        search: f.search,
        status: f.status,
        group: f.group,
      };
      return paginate(
        c.req,
        () => repo.countEmployees(db, vis, filters),
        async (limit, offset) =>
          Promise.all((await repo.listEmployees(db, vis, filters, limit, offset)).map((e) => employeeOut(c, e))),
      );
    },
    find: async (_c, vis, id) => Boolean(await repo.employee(db, vis, id)),
    retrieve: async (c, vis, id) => {
      const e = await repo.employee(db, vis, id);
      return e && employeeOut(c, e);
    },
    /** The user and the employee in one go: any bad field, nested or not, and nothing is created. */
    async create(c, body) {
      if (forcesPartner(c.caller, 'employee') && c.caller.partnerId === null)
        throw forbidden('You do not own a partner.');
      const { user, employee, branches, courses: courseIds } = await read(c, body.data, body.form, false);
      const id = await people.createAccount(
        user!,
        async (t, userId) => {
          await repo.insertEmployee(t, { ...(employee as { bankAccountNumber: number; partnerId: number }), userId });
          await partners.bumpCounts(t, employee.partnerId as number, { employees: 1 });
          if (branches?.length) await repo.setEmployeeBranches(t, userId, branches);
          if (courseIds?.length) await repo.setEmployeeCourses(t, userId, courseIds);
        },
        asNested,
      );
      await deps.scopes.forget([id]);
      return reread(c, id);
    },
    async update(c, _vis, id, body, partial) {
      const { user, employee, branches, courses: courseIds } = await read(c, body.data, body.form, partial, id);
      await people.updateAccount(
        id,
        user ?? { profile: {} },
        async (t) => {
          const before = await repo.lockEmployee(t, id);
          if (!before) throw notFound('Employee');
          if (Object.keys(employee).length) await repo.updateEmployee(t, id, employee);
          const partnerId = (employee.partnerId as number | undefined) ?? before.partnerId;
          if (partnerId !== before.partnerId) {
            await partners.bumpCounts(t, before.partnerId, { employees: -1 });
            await partners.bumpCounts(t, partnerId, { employees: 1 });
          }
          if (branches) await repo.setEmployeeBranches(t, id, branches);
          if (courseIds) await repo.setEmployeeCourses(t, id, courseIds);
          if (branches || partnerId !== before.partnerId) await repo.dropForeignLinks(t, { employeeId: id });
        },
        asNested,
      );
      if (employee.partnerId !== undefined) await deps.scopes.forget([id]);
      return reread(c, id);
    },
    /** Deletes the employee with its back-office user; the identity account is deactivated (sessions end). */
    async remove(_c, _vis, id) {
      await people.removeAccount(id);
    },
  };
}
