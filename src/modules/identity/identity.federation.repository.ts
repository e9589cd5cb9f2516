import { and, asc, eq, gt, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { linkedIdentities, oauthStates, oauthTickets, users } from './identity.tables.js';

export type LinkedIdentityRow = typeof linkedIdentities.$inferSelect;
export type OAuthStateRow = typeof oauthStates.$inferSelect;
export type OAuthTicketRow = typeof oauthTickets.$inferSelect;

/** The SQL of identity federation: linked identities, logins in flight, one-time tickets. */
export const federationRepository = {
  insertState: async (db: Db, values: typeof oauthStates.$inferInsert) => db.insert(oauthStates).values(values),

  /** Marks a live state used and returns it, atomically: a state works once, on one instance, before it expires. */
  useState: async (db: Db, stateHash: string, now: Date) =>
    (
      await db
        .update(oauthStates)
        .set({ usedAt: now })
        .where(and(eq(oauthStates.stateHash, stateHash), isNull(oauthStates.usedAt), gt(oauthStates.expiresAt, now)))
        .returning()
    )[0],

  insertTicket: async (db: Db, values: typeof oauthTickets.$inferInsert) => db.insert(oauthTickets).values(values),

  /** Same single-use rule for tickets (login codes, pending links). */
  useTicket: async (db: Db, ticketHash: string, kind: string, now: Date) =>
    (
      await db
        .update(oauthTickets)
        .set({ usedAt: now })
        .where(
          and(
            eq(oauthTickets.ticketHash, ticketHash),
            eq(oauthTickets.kind, kind),
            isNull(oauthTickets.usedAt),
            gt(oauthTickets.expiresAt, now),
          ),
        )
        .returning()
    )[0],

  linkBySubject: async (db: Db, provider: string, subject: string) =>
    (
      await db
        .select()
        .from(linkedIdentities)
        .where(and(eq(linkedIdentities.provider, provider), eq(linkedIdentities.subject, subject)))
    )[0],

  insertLink: async (db: Db, values: typeof linkedIdentities.$inferInsert) =>
    (await db.insert(linkedIdentities).values(values).returning())[0]!,

  touchLink: async (db: Db, id: string, patch: { email: string | null; emailVerified: boolean; now: Date }) =>
    db
      .update(linkedIdentities)
      .set({ email: patch.email, emailVerified: patch.emailVerified, lastLoginAt: patch.now })
      .where(eq(linkedIdentities.id, id)),

  linksOfUser: async (db: Db, userId: string) =>
    db
      .select()
      .from(linkedIdentities)
      .where(eq(linkedIdentities.userId, userId))
      .orderBy(asc(linkedIdentities.createdAt)),

  userByEmail: async (db: Db, email: string) =>
    (
      await db
        .select()
        .from(users)
        .where(sql`lower(${users.email}) = ${email.toLowerCase()}`)
    )[0],

  /** The user row, locked until the transaction ends: two unlinks of one account run one after the other. */
  lockUser: async (db: Db, userId: string) =>
    (await db.select().from(users).where(eq(users.id, userId)).for('update'))[0],

  /** How many identities a user has besides `exceptId`. */
  otherLinkCount: async (db: Db, userId: string, exceptId: string) =>
    (
      await db
        .select({ n: sql<number>`count(*)::int` })
        .from(linkedIdentities)
        .where(and(eq(linkedIdentities.userId, userId), ne(linkedIdentities.id, exceptId)))
    )[0]!.n,

  deleteLink: async (db: Db, id: string, userId: string) =>
    (
      await db
        .delete(linkedIdentities)
        .where(and(eq(linkedIdentities.id, id), eq(linkedIdentities.userId, userId)))
        .returning({ id: linkedIdentities.id })
    )[0],

  /** Sets a first password; false when the account already has one (or is gone). */
  setFirstPassword: async (db: Db, userId: string, passwordHash: string, now: Date) =>
    (
      await db
        .update(users)
        .set({ passwordHash, updatedAt: now })
        .where(and(eq(users.id, userId), isNull(users.passwordHash)))
        .returning({ id: users.id })
    ).length > 0,

  flushExpired: async (db: Db, now: Date) => {
    const states = await db
      .delete(oauthStates)
      .where(lt(oauthStates.expiresAt, now))
      .returning({ h: oauthStates.stateHash });
    const tickets = await db
      .delete(oauthTickets)
      .where(lt(oauthTickets.expiresAt, now))
      .returning({ h: oauthTickets.ticketHash });
    return { states: states.length, tickets: tickets.length };
  },
};
