import { defineAdmin, type AdminField, type Choice } from '../../platform/admin/resource.js';
import type { IdentityApi } from '../identity/index.js';
import type { Access } from './backoffice.access.js';
import { adapt } from './backoffice.admin.js';
import { branchesResource } from './backoffice.branches.js';
import { categoriesResource } from './backoffice.categories.js';
import { coursesResource } from './backoffice.courses.js';
import { COURSE_STATUSES, EMPLOYEE_STATUSES, PARTNER_STATUSES, type Deps } from './backoffice.deps.js';
import { employeesResource } from './backoffice.employees.js';
import { lessonsResource } from './backoffice.lessons.js';
import { partnersResource } from './backoffice.partners.js';
import type { People } from './backoffice.people.js';
import { branches, categories, courses, employees, groups, lessons, partners } from './backoffice.tables.js';

const intId = (raw: string) => (/^\d{1,15}$/.test(raw) ? Number(raw) : undefined);
const uuidId = (raw: string) => (/^[0-9a-f-]{36}$/i.test(raw) ? raw.toLowerCase() : undefined);
const choices = (values: readonly string[]): Choice[] => values.map((v) => ({ value: v, label: v }));
const text = (name: string, maxLength?: number, required = true): AdminField => ({ name, maxLength, required });
const address = (noteLength: number): AdminField[] => [
  text('country', 50),
  text('region', 100),
  text('city', 50),
  text('street', 50),
  { name: 'house', required: true },
  { name: 'address_note', maxLength: noteLength },
];
const ids = (name: string, help: string): AdminField => ({ name, type: 'list', help });

/** The back office in the panel: its viewsets' own validation and side effects, as a back-office superuser. */
export function backofficeAdmin(d: Deps, people: People, access: Access, identity: IdentityApi) {
  const withNames = async <R extends { userId: string }>(rows: R[]) => {
    const names = await identity.usernames(rows.map((r) => r.userId));
    return rows.map((r) => ({ ...r, username: names.get(r.userId) ?? r.userId }));
  };
  return defineAdmin({
    module: 'backoffice',
    label: 'Back office',
    resources: [
      adapt({
        def: partnersResource(d, people.removeAccount),
        parseId: intId,
        canCreate: true,
        resource: {
          name: 'partners',
          label: 'Partners',
          source: { table: partners, id: partners.id },
          columns: [
            { key: 'name', label: 'Partner' },
            { key: 'legalEntity', label: 'Legal entity' },
            { key: 'city', label: 'City' },
            { key: 'status', label: 'Status' },
            { key: 'branchCount', label: 'Branches' },
            { key: 'employeeCount', label: 'Employees' },
          ],
          search: [partners.name, partners.legalEntity, partners.id],
          filters: [{ name: 'status', label: 'Status', column: partners.status, options: choices(PARTNER_STATUSES) }],
          ordering: [{ key: 'id', label: 'Newest first', column: partners.id, desc: true }],
          fields: [
            text('name', 255),
            text('legal_entity', 500),
            { name: 'information', type: 'textarea' },
            { name: 'status', type: 'select', options: choices(PARTNER_STATUSES), required: true },
            ...address(50),
            { name: 'owner', help: 'User id of an account in the owner group; empty for none' },
            { name: 'quantity_of_branches', readOnly: true },
            { name: 'quantity_of_employees', readOnly: true },
            { name: 'creating_date', readOnly: true },
          ],
          title: (p) => String(p.name),
        },
      }),
      adapt({
        def: branchesResource(d),
        parseId: intId,
        canCreate: true,
        resource: {
          name: 'branches',
          label: 'Branches',
          source: { table: branches, id: branches.id },
          columns: [
            { key: 'name', label: 'Branch' },
            { key: 'partnerId', label: 'Partner' },
            { key: 'city', label: 'City' },
            { key: 'status', label: 'Status' },
            { key: 'openingDate', label: 'Opened' },
          ],
          search: [branches.name, branches.id],
          filters: [
            { name: 'status', label: 'Status', column: branches.status, options: choices(PARTNER_STATUSES) },
            { name: 'partner', label: 'Partner id', column: branches.partnerId },
          ],
          ordering: [{ key: 'id', label: 'Newest first', column: branches.id, desc: true }],
          fields: [
            text('name', 100),
            { name: 'opening_date', required: true, help: 'YYYY-MM-DD' },
            { name: 'partner', required: true, help: 'Partner id' },
            { name: 'status', type: 'select', options: choices(PARTNER_STATUSES), required: true },
            { name: 'note', type: 'textarea' },
            { name: 'area', required: true, help: 'm²' },
            ...address(150),
            { name: 'floor', required: true },
            ids('employees', 'Employee (user) ids of the partner, one per line'),
          ],
          title: (b) => String(b.name),
        },
      }),
      adapt({
        def: employeesResource(d, people),
        parseId: uuidId,
        resource: {
          name: 'employees',
          label: 'Employees',
          source: { table: employees, id: employees.userId },
          columns: [
            { key: 'username', label: 'User' },
            { key: 'partnerId', label: 'Partner' },
            { key: 'status', label: 'Status' },
            { key: 'bankAccountNumber', label: 'Bank account' },
            { key: 'createdAt', label: 'Since' },
          ],
          search: [employees.search, employees.userId],
          searchHint: 'name, email or user id',
          filters: [
            { name: 'status', label: 'Status', column: employees.status, options: choices(EMPLOYEE_STATUSES) },
            { name: 'partner', label: 'Partner id', column: employees.partnerId },
          ],
          decorate: withNames,
          fields: [
            { name: 'id', label: 'User id', readOnly: true },
            { name: 'email', readOnly: true },
            { name: 'first_name', readOnly: true },
            { name: 'last_name', readOnly: true },
            { name: 'bank_account_number', required: true },
            { name: 'status', type: 'select', options: choices(EMPLOYEE_STATUSES), required: true },
            { name: 'partner', required: true, help: 'Partner id' },
            ids('branches', 'Branch ids of the partner, one per line'),
            ids('courses', 'Course ids, one per line'),
          ],
          title: (e) => `${String(e.first_name ?? '')} ${String(e.last_name ?? '')}`.trim() || String(e.email),
        },
      }),
      adapt({
        def: coursesResource(d),
        parseId: intId,
        canCreate: true,
        resource: {
          name: 'courses',
          label: 'Courses',
          source: { table: courses, id: courses.id },
          columns: [
            { key: 'name', label: 'Course' },
            { key: 'status', label: 'Status' },
            { key: 'minAge', label: 'Min age' },
            { key: 'maxAge', label: 'Max age' },
          ],
          search: [courses.name, courses.id],
          filters: [{ name: 'status', label: 'Status', column: courses.status, options: choices(COURSE_STATUSES) }],
          ordering: [{ key: 'id', label: 'Newest first', column: courses.id, desc: true }],
          fields: [
            text('name', 255),
            { name: 'min_age', required: true },
            { name: 'max_age', required: true },
            { name: 'link', maxLength: 200 },
            { name: 'status', type: 'select', options: choices(COURSE_STATUSES), required: true },
            { name: 'note', type: 'textarea' },
            ids('categories', 'Category ids, one per line'),
            ids('teachers', 'Employee (user) ids, one per line'),
            { name: 'image', label: 'Image (stored file)', readOnly: true },
          ],
          title: (c) => String(c.name),
        },
      }),
      adapt({
        def: categoriesResource(d),
        parseId: intId,
        canCreate: true,
        resource: {
          name: 'categories',
          label: 'Categories',
          source: { table: categories, id: categories.id },
          columns: [
            { key: 'name', label: 'Category' },
            { key: 'parentId', label: 'Parent' },
          ],
          search: [categories.name, categories.id],
          ordering: [{ key: 'name', label: 'Name', column: categories.name }],
          fields: [text('name', 100), { name: 'parent', help: 'Parent category id; empty for a top category' }],
          title: (c) => String(c.name),
        },
      }),
      adapt({
        def: lessonsResource(d),
        parseId: intId,
        canCreate: true,
        resource: {
          name: 'lessons',
          label: 'Lessons',
          source: { table: lessons, id: lessons.id },
          columns: [
            { key: 'name', label: 'Lesson' },
            { key: 'lessonNumber', label: 'Number' },
            { key: 'courseId', label: 'Course' },
          ],
          search: [lessons.name, lessons.id],
          filters: [{ name: 'course', label: 'Course id', column: lessons.courseId }],
          ordering: [{ key: 'id', label: 'Newest first', column: lessons.id, desc: true }],
          fields: [
            { name: 'lesson_number', required: true },
            text('name', 255),
            { name: 'course', required: true, help: 'Course id' },
            { name: 'presentationURL', label: 'Presentation URL', maxLength: 200 },
            { name: 'description', type: 'textarea' },
            { name: 'presentation', label: 'Presentation (stored file)', readOnly: true },
            { name: 'additional_file', label: 'Additional file (stored file)', readOnly: true },
          ],
          title: (l) => String(l.name),
        },
      }),
      adapt({
        def: access.groups(),
        parseId: intId,
        canCreate: true,
        resource: {
          name: 'groups',
          label: 'Groups',
          source: { table: groups, id: groups.id },
          columns: [{ key: 'name', label: 'Group' }],
          search: [groups.name],
          ordering: [{ key: 'name', label: 'Name', column: groups.name }],
          fields: [text('name', 150), ids('permissions', 'Permission ids, one per line')],
          title: (g) => String(g.name),
        },
      }),
    ],
  });
}
