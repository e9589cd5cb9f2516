import { sql } from 'drizzle-orm';
import {
  bigint,
  date,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

export const backoffice = pgSchema('backoffice');

const id = () => bigint({ mode: 'number' }).primaryKey().generatedByDefaultAsIdentity();
const ts = () => timestamp({ withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** What a response needs to sign a URL for a stored file without asking the files service per row. */
export interface FileRef {
  shortName: string;
  key: string;
  filename: string;
  type: string;
}

/**
 * A back-office profile of an identity account (keyed by its id). Email, username and names are copies of the
 * identity account's, written with it, so lists filter and search them with this module's own indexes.
 */
export const users = backoffice.table(
  'users',
  {
    userId: uuid().primaryKey(),
    email: text().notNull(),
    username: text().notNull(),
    firstName: varchar({ length: 150 }).notNull().default(''),
    lastName: varchar({ length: 150 }).notNull().default(''),
    patronymic: varchar({ length: 150 }).notNull().default(''),
    gender: text().notNull().default('undefined'),
    birthday: date({ mode: 'string' }),
    phoneNumber: varchar({ length: 20 }),
    image: jsonb().$type<FileRef>(),
    country: varchar({ length: 50 }).notNull().default(''),
    region: varchar({ length: 100 }).notNull().default(''),
    city: varchar({ length: 50 }).notNull().default(''),
    street: varchar({ length: 50 }).notNull().default(''),
    house: integer(),
    addressNote: varchar({ length: 150 }),
    /** The back-office group given through this module (its identity role is the source of permissions). */
    groupId: bigint({ mode: 'number' }).references((): AnyPgColumn => groups.id, { onDelete: 'set null' }),
    dateJoined: ts(),
    /** Lower-cased names and email, for "every word matches a name or the email" through a trigram index. */
    search: text()
      .notNull()
      .generatedAlwaysAs(sql`lower(first_name || ' ' || last_name || ' ' || patronymic || ' ' || email)`),
  },
  (t) => [
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
    uniqueIndex('users_phone_number_key').on(t.phoneNumber),
    index('users_date_joined_idx').on(t.dateJoined),
    index('users_group_idx').on(t.groupId),
    index('users_search_trgm_idx').using('gin', t.search.op('gin_trgm_ops')),
  ],
);

/** A franchisee. Its branch and employee counts are kept here, changed in the transaction that changes them. */
export const partners = backoffice.table(
  'partners',
  {
    id: id(),
    name: varchar({ length: 255 }).notNull(),
    legalEntity: varchar({ length: 500 }).notNull(),
    creatingDate: date({ mode: 'string' })
      .notNull()
      .default(sql`current_date`),
    information: text(),
    status: text().notNull().default('active'),
    country: varchar({ length: 50 }).notNull(),
    region: varchar({ length: 100 }).notNull(),
    city: varchar({ length: 50 }).notNull(),
    street: varchar({ length: 50 }).notNull(),
    house: integer().notNull(),
    addressNote: varchar({ length: 50 }),
    ownerId: uuid().references(() => users.userId, { onDelete: 'set null' }),
    branchCount: integer().notNull().default(0),
    employeeCount: integer().notNull().default(0),
  },
  (t) => [
    uniqueIndex('partners_owner_key').on(t.ownerId),
    index('partners_status_idx').on(t.status),
    index('partners_creating_date_idx').on(t.creatingDate),
  ],
);

export const branches = backoffice.table(
  'branches',
  {
    id: id(),
    name: varchar({ length: 100 }).notNull(),
    openingDate: date({ mode: 'string' }).notNull(),
    partnerId: bigint({ mode: 'number' })
      .notNull()
      .references(() => partners.id, { onDelete: 'cascade' }),
    status: text().notNull().default('active'),
    note: text(),
    area: integer().notNull(),
    country: varchar({ length: 50 }).notNull(),
    region: varchar({ length: 100 }).notNull(),
    city: varchar({ length: 50 }).notNull(),
    street: varchar({ length: 50 }).notNull(),
    house: integer().notNull(),
    floor: integer().notNull(),
    addressNote: varchar({ length: 150 }),
  },
  (t) => [
    index('branches_partner_idx').on(t.partnerId, t.id),
    index('branches_status_idx').on(t.status),
    index('branches_opening_date_idx').on(t.openingDate),
  ],
);

/** One-to-one with a back-office user (its primary key); deleting the user deletes the employee. */
export const employees = backoffice.table(
  'employees',
  {
    userId: uuid()
      .primaryKey()
      .references(() => users.userId, { onDelete: 'cascade' }),
    bankAccountNumber: integer().notNull(),
    status: text().notNull().default('active'),
    partnerId: bigint({ mode: 'number' })
      .notNull()
      .references(() => partners.id, { onDelete: 'cascade' }),
    createdAt: ts(),
    /** The user's `search` text, copied on every write of either row: a partner's search reads one index. */
    search: text().notNull().default(''),
  },
  (t) => [
    // A partner's employees in list order, with their search text: counting and paging a partner's employees
    // touches this index only, whatever the size of the whole table.
    index('employees_partner_idx').on(t.partnerId, t.createdAt, t.userId, t.search),
    index('employees_status_idx').on(t.status),
  ],
);

export const employeeBranches = backoffice.table(
  'employee_branches',
  {
    employeeId: uuid()
      .notNull()
      .references(() => employees.userId, { onDelete: 'cascade' }),
    branchId: bigint({ mode: 'number' })
      .notNull()
      .references(() => branches.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.employeeId, t.branchId] }), index('employee_branches_branch_idx').on(t.branchId)],
);

export const categories = backoffice.table(
  'categories',
  {
    id: id(),
    name: varchar({ length: 100 }).notNull(),
    parentId: bigint({ mode: 'number' }).references((): AnyPgColumn => categories.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('categories_name_key').on(t.name), index('categories_parent_idx').on(t.parentId)],
);

export const courses = backoffice.table(
  'courses',
  {
    id: id(),
    name: varchar({ length: 255 }).notNull(),
    minAge: smallint().notNull(),
    maxAge: smallint().notNull(),
    image: jsonb().$type<FileRef>(),
    link: varchar({ length: 200 }).notNull().default(''),
    status: text().notNull().default('hidden'),
    note: text(),
  },
  (t) => [index('courses_status_idx').on(t.status), index('courses_ages_idx').on(t.minAge, t.maxAge)],
);

export const employeeCourses = backoffice.table(
  'employee_courses',
  {
    employeeId: uuid()
      .notNull()
      .references(() => employees.userId, { onDelete: 'cascade' }),
    courseId: bigint({ mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.employeeId, t.courseId] }), index('employee_courses_course_idx').on(t.courseId)],
);

export const courseCategories = backoffice.table(
  'course_categories',
  {
    courseId: bigint({ mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    categoryId: bigint({ mode: 'number' })
      .notNull()
      .references(() => categories.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.courseId, t.categoryId] }),
    index('course_categories_category_idx').on(t.categoryId),
  ],
);

export const lessons = backoffice.table(
  'lessons',
  {
    id: id(),
    lessonNumber: integer().notNull(),
    name: varchar({ length: 255 }).notNull(),
    presentation: jsonb().$type<FileRef>(),
    presentationUrl: varchar({ length: 200 }).notNull().default(''),
    additionalFile: jsonb().$type<FileRef>(),
    description: text().notNull().default(''),
    courseId: bigint({ mode: 'number' })
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
  },
  (t) => [index('lessons_course_idx').on(t.courseId, t.lessonNumber, t.id)],
);

/** Django's Permission rows: the catalogue the groups' codenames come from (`backoffice.<codename>` in identity). */
export const permissions = backoffice.table(
  'permissions',
  {
    id: id(),
    name: varchar({ length: 255 }).notNull(),
    codename: varchar({ length: 100 }).notNull(),
    contentType: varchar({ length: 100 }).notNull(),
  },
  (t) => [
    uniqueIndex('permissions_codename_key').on(t.codename),
    index('permissions_content_type_idx').on(t.contentType),
  ],
);

/** The identity roles that are back-office groups (Django's Group): integer ids for the API, the role behind. */
export const groups = backoffice.table(
  'groups',
  {
    id: id(),
    name: varchar({ length: 150 }).notNull(),
    roleId: uuid().notNull(),
  },
  (t) => [uniqueIndex('groups_name_key').on(t.name), uniqueIndex('groups_role_key').on(t.roleId)],
);

/**
 * Stored files no record points to (yet, or any more): an upload waiting for its record's transaction, or the
 * old file of a replaced or deleted record. The sweep deletes those due; attaching a file removes its row.
 */
export const fileOrphans = backoffice.table(
  'file_orphans',
  {
    shortName: text().primaryKey(),
    dueAt: timestamp({ withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('file_orphans_due_idx').on(t.dueAt)],
);
