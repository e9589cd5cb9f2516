import type { SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { AppError } from '../errors.js';

/**
 * The admin panel's resource framework. A module declares what the panel shows of it in its own
 * `<module>.admin.ts` (a list over one of its tables, a form, actions) and hands it over as `AgoraModule.admin`;
 * the admin module renders every declared resource the same way. Lists read the module's table through the
 * generic keyset query of list.ts; every write goes through the functions the module supplies (its service).
 */

/** Who is acting in the panel (recorded in the audit log). */
export interface AdminActor {
  userId: string;
  username: string;
  sessionId?: string;
  /** What the actor may grant and whom they may manage (a module's resources may check it). */
  isSuperuser: boolean;
  permissions: string[];
}

export type FieldType =
  'text' | 'textarea' | 'number' | 'boolean' | 'datetime' | 'select' | 'password' | 'email' | 'list' | 'json';

export interface Choice {
  value: string;
  label: string;
}

/** A form field of a record (create/edit/detail). */
export interface AdminField {
  name: string;
  label?: string;
  type?: FieldType;
  options?: Choice[];
  /** Shown but never editable. */
  readOnly?: boolean;
  /** Never shown (secrets, hashes); still diffed as "changed" in the audit log. */
  hidden?: boolean;
  /** Only in the create form (e.g. an initial password). */
  createOnly?: boolean;
  required?: boolean;
  maxLength?: number;
  min?: number;
  max?: number;
  help?: string;
}

/** A column of the list page; `value` formats it (default: the row's property of that key). */
export interface AdminColumn<R> {
  key: string;
  label: string;
  value?: (row: R) => unknown;
}

/** A list filter: equality on an indexed column, chosen from options (booleans get yes/no). */
export interface AdminFilter {
  name: string;
  label: string;
  column: AnyPgColumn;
  options?: Choice[];
}

/** A sort order the list offers; its column must be NOT NULL and indexed together with the id. */
export interface AdminOrdering {
  key: string;
  label: string;
  column: AnyPgColumn;
  /** Newest/highest first by default. */
  desc?: boolean;
}

/** A button on a record (activate, end sessions, retry a job, ...); returns a message to show. */
export interface AdminAction {
  name: string;
  label: string;
  /** Asks before running (a confirmation page without JavaScript). */
  confirm?: string;
  danger?: boolean;
  /** Whether the action applies to this record (default: always). */
  when?: (row: Record<string, unknown>) => boolean;
  /**
   * Its message holds a secret (a new password): it is shown in the answer to the action itself, never carried
   * to the next page in a cookie.
   */
  secretMessage?: boolean;
  run(id: string, actor: AdminActor): Promise<string | void>;
}

/** Related records shown under a record (e.g. a chat's members); `link` opens them in their own resource. */
export interface AdminInline {
  label: string;
  columns: { key: string; label: string }[];
  link?: { resource: string; key: string };
  load(id: string): Promise<Record<string, unknown>[]>;
}

export interface AdminDownload {
  body: NodeJS.ReadableStream | Buffer;
  contentType: string;
  filename: string;
  size?: number;
}

// Resources of different row types share one list; `any` keeps their callbacks assignable to it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface AdminResource<R = any> {
  /** URL segment: /admin/<module>/<name>. */
  name: string;
  label: string;
  /**
   * The table the list reads, its primary key, and an optional condition every row must meet. A composite key
   * (a link table's) names its further columns in `key`: the record id joins the values with `~`.
   */
  source: { table: PgTable; id: AnyPgColumn; key?: AnyPgColumn[]; where?: SQL };
  columns: AdminColumn<R>[];
  search?: AnyPgColumn[];
  /** What the search box says it searches. */
  searchHint?: string;
  filters?: AdminFilter[];
  /** The first is the default order; without any, the list is ordered by the id. */
  ordering?: AdminOrdering[];
  fields: AdminField[];
  /** Loads several records' related labels at once for the list page (no query per row). */
  decorate?: (rows: R[]) => Promise<R[]>;
  title?: (row: R) => string;
  get(id: string): Promise<R | undefined>;
  create?(values: Record<string, unknown>, actor: AdminActor): Promise<R>;
  update?(id: string, values: Record<string, unknown>, actor: AdminActor): Promise<R | undefined>;
  delete?(id: string, actor: AdminActor): Promise<void>;
  download?(id: string): Promise<AdminDownload>;
  actions?: AdminAction[];
  inlines?: AdminInline[];
}

/** What one module shows in the panel; staff need the permission `admin.<module>` to see it. */
export interface AdminSection {
  module: string;
  label: string;
  resources: AdminResource[];
}

/**
 * Field errors for the form (shown beside each field). Module services may throw it from admin writes;
 * AppErrors with `details` naming fields (FieldIssue lists, `{field: [msg]}` maps) are read the same way.
 */
export const invalidFields = (fields: Record<string, string>) =>
  new AppError('VALIDATION', 422, 'Please correct the errors below.', { fields });

export const defineAdmin = (section: AdminSection): AdminSection => section;

/** Fields shown but never edited (records the panel only reads). */
export const readOnlyFields = (...names: string[]): AdminField[] => names.map((name) => ({ name, readOnly: true }));
