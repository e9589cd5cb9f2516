import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  numeric,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

export const wishlist = pgSchema('wishlist');

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The seed's Wish model. Owners and reservers are identity user ids (no cross-module foreign key). */
export const wishes = wishlist.table(
  'wishes',
  {
    // Integer ids, as the Django original: clients build /api/wishes/{id}/ from them.
    id: integer().primaryKey().generatedByDefaultAsIdentity(),
    userId: uuid().notNull(),
    title: varchar({ length: 255 }).notNull(),
    description: text().notNull().default(''),
    url: varchar({ length: 200 }).notNull().default(''),
    price: numeric({ precision: 10, scale: 2 }),
    isReserved: boolean().notNull().default(false),
    reservedBy: uuid(),
    /** Set when a visitor reserved through a share link: the owner then does not see who (unless they opt in). */
    reservedViaLink: boolean().notNull().default(false),
    isActive: boolean().notNull().default(true),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('wishes_user_created_idx').on(t.userId, t.createdAt.desc(), t.id.desc())],
);

/** Per-user wishlist settings and the share link (one live token per user; rotating replaces it). */
export const owners = wishlist.table(
  'owners',
  {
    userId: uuid().primaryKey(),
    shareToken: text(),
    sharedAt: ts('shared_at'),
    showReservers: boolean().notNull().default(false),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('owners_share_token_key')
      .on(t.shareToken)
      .where(sql`${t.shareToken} is not null`),
  ],
);
