import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { apiKeys, sessions, users } from './identity.tables.js';

/** The reads the admin panel needs beyond identity's own repository (one query per page, never per row). */
export const identityAdminRepository = {
  apiKeyById: async (db: Db, id: string) => (await db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0],
  sessionById: async (db: Db, id: string) => (await db.select().from(sessions).where(eq(sessions.id, id)))[0],
  usernames: async (db: Db, ids: string[]) =>
    new Map(
      ids.length
        ? (
            await db
              .select({ id: users.id, username: users.username })
              .from(users)
              .where(inArray(users.id, [...new Set(ids)]))
          ).map((u) => [u.id, u.username])
        : [],
    ),
};
