import { and, asc, eq, gt, inArray, isNull, lt, ne, or } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { oidcClients, oidcModels, oidcSessions } from './identity.tables.js';

export type OidcModelRow = typeof oidcModels.$inferSelect;
export type OidcClientRow = typeof oidcClients.$inferSelect;

const live = (now: Date) => or(isNull(oidcModels.expiresAt), gt(oidcModels.expiresAt, now));

/** The SQL of Agora's OpenID provider: its stored models, its registered clients, its sessions' Agora sessions. */
export const oidcRepository = {
  upsertModel: async (db: Db, row: typeof oidcModels.$inferInsert) =>
    db
      .insert(oidcModels)
      .values(row)
      .onConflictDoUpdate({
        target: [oidcModels.kind, oidcModels.id],
        set: {
          payload: row.payload,
          grantId: row.grantId,
          sessionUid: row.sessionUid,
          userCode: row.userCode,
          expiresAt: row.expiresAt,
          consumedAt: null,
        },
      }),

  findModel: async (db: Db, kind: string, id: string, now: Date) =>
    (
      await db
        .select()
        .from(oidcModels)
        .where(and(eq(oidcModels.kind, kind), eq(oidcModels.id, id), live(now)))
    )[0],

  findModelBy: async (db: Db, kind: string, by: { sessionUid?: string; userCode?: string }, now: Date) =>
    (
      await db
        .select()
        .from(oidcModels)
        .where(
          and(
            eq(oidcModels.kind, kind),
            by.sessionUid !== undefined
              ? eq(oidcModels.sessionUid, by.sessionUid)
              : eq(oidcModels.userCode, by.userCode ?? ''),
            live(now),
          ),
        )
        .limit(1)
    )[0],

  consumeModel: async (db: Db, kind: string, id: string, now: Date) =>
    db
      .update(oidcModels)
      .set({ consumedAt: now })
      .where(and(eq(oidcModels.kind, kind), eq(oidcModels.id, id))),

  destroyModel: async (db: Db, kind: string, id: string) =>
    db.delete(oidcModels).where(and(eq(oidcModels.kind, kind), eq(oidcModels.id, id))),

  revokeByGrantId: async (db: Db, grantId: string) => db.delete(oidcModels).where(eq(oidcModels.grantId, grantId)),

  /** Tokens and codes issued in an OpenID session (its Session row stays). */
  dropTokensOfSession: async (db: Db, uid: string) =>
    db.delete(oidcModels).where(and(eq(oidcModels.sessionUid, uid), ne(oidcModels.kind, 'Session'))),

  /**
   * Ends OpenID sessions by uid: the sessions, every grant they hold (grant ids read from their payloads) and
   * every code and token of those grants or sessions.
   */
  endSessions: async (db: Db, uids: string[], grantIds: string[]) => {
    await db
      .delete(oidcModels)
      .where(
        or(
          inArray(oidcModels.sessionUid, uids),
          grantIds.length ? inArray(oidcModels.grantId, grantIds) : undefined,
          grantIds.length ? and(eq(oidcModels.kind, 'Grant'), inArray(oidcModels.id, grantIds)) : undefined,
        ),
      );
    await db.delete(oidcSessions).where(inArray(oidcSessions.uid, uids));
  },

  sessionPayloads: async (db: Db, uids: string[]) =>
    (
      await db
        .select({ payload: oidcModels.payload })
        .from(oidcModels)
        .where(and(eq(oidcModels.kind, 'Session'), inArray(oidcModels.sessionUid, uids)))
    ).map((r) => r.payload),

  flushExpired: async (db: Db, now: Date) =>
    (await db.delete(oidcModels).where(lt(oidcModels.expiresAt, now)).returning({ id: oidcModels.id })).length,

  bindSession: async (db: Db, uid: string, sessionId: string) =>
    db
      .insert(oidcSessions)
      .values({ uid, sessionId })
      .onConflictDoUpdate({ target: oidcSessions.uid, set: { sessionId } }),

  sessionOfUid: async (db: Db, uid: string) =>
    (await db.select().from(oidcSessions).where(eq(oidcSessions.uid, uid)))[0]?.sessionId,

  uidsOfSessions: async (db: Db, sessionIds: string[]) =>
    (
      await db.select({ uid: oidcSessions.uid }).from(oidcSessions).where(inArray(oidcSessions.sessionId, sessionIds))
    ).map((r) => r.uid),

  insertClient: async (db: Db, values: typeof oidcClients.$inferInsert) =>
    (await db.insert(oidcClients).values(values).returning())[0]!,
  clientById: async (db: Db, clientId: string) =>
    (await db.select().from(oidcClients).where(eq(oidcClients.clientId, clientId)))[0],
  listClients: async (db: Db) => db.select().from(oidcClients).orderBy(asc(oidcClients.createdAt)),
  deleteClient: async (db: Db, clientId: string) =>
    (await db.delete(oidcClients).where(eq(oidcClients.clientId, clientId)).returning({ id: oidcClients.clientId }))[0],
};
