import { and, asc, eq, gt, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { roles, userRoles, users } from './identity.tables.js';

/** The public fields of an account other modules may address (e.g. to notify it). */
export interface DirectoryEntry {
  id: string;
  username: string;
  email: string | null;
  firstName: string;
  lastName: string;
}

/** Whom to address: listed accounts, members of named roles, or every active account. */
export interface Audience {
  users?: string[];
  roles?: string[];
  all?: boolean;
}

const fields = {
  id: users.id,
  username: users.username,
  email: users.email,
  firstName: users.firstName,
  lastName: users.lastName,
};

/**
 * Read access to accounts for other modules: pages of an audience in id order (keyset, one statement per page
 * whatever its size), and checks of ids and role names. Every function takes the executor, so a caller may
 * read inside its own transaction.
 */
export const directory = {
  async page(db: Db, audience: Audience, after: string | null, limit: number): Promise<DirectoryEntry[]> {
    const who: SQL[] = [];
    if (audience.all) who.push(sql`true`);
    if (audience.users?.length) who.push(inArray(users.id, audience.users));
    if (audience.roles?.length)
      who.push(
        inArray(
          users.id,
          db
            .select({ id: userRoles.userId })
            .from(userRoles)
            .innerJoin(roles, eq(roles.id, userRoles.roleId))
            .where(inArray(roles.name, audience.roles)),
        ),
      );
    if (!who.length) return [];
    return db
      .select(fields)
      .from(users)
      .where(and(eq(users.isActive, true), or(...who), after ? gt(users.id, after) : undefined))
      .orderBy(asc(users.id))
      .limit(limit);
  },

  async byIds(db: Db, ids: string[]): Promise<DirectoryEntry[]> {
    return ids.length ? db.select(fields).from(users).where(inArray(users.id, ids)) : [];
  },

  /** The given ids that name no account. */
  async unknownUsers(db: Db, ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const known = new Set(
      (await db.select({ id: users.id }).from(users).where(inArray(users.id, ids))).map((r) => r.id),
    );
    return ids.filter((id) => !known.has(id));
  },

  /** The given role names that name no role. */
  async unknownRoles(db: Db, names: string[]): Promise<string[]> {
    if (!names.length) return [];
    const known = new Set(
      (await db.select({ name: roles.name }).from(roles).where(inArray(roles.name, names))).map((r) => r.name),
    );
    return names.filter((n) => !known.has(n));
  },
};

export type Directory = typeof directory;
