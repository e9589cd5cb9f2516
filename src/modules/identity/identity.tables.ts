import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const identity = pgSchema('identity');

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = identity.table(
  'users',
  {
    id: uuid().primaryKey(),
    username: text().notNull(),
    /** Domain part lower-cased as Django's normalize_email does; unique (case-insensitively) when set. */
    email: text(),
    passwordHash: text(),
    firstName: text().notNull().default(''),
    lastName: text().notNull().default(''),
    isActive: boolean().notNull().default(true),
    isSuperuser: boolean().notNull().default(false),
    emailVerified: boolean().notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    lastLogin: ts('last_login'),
  },
  (t) => [
    // Usernames are unique case-insensitively: `ADMIN` cannot stand next to `admin`.
    uniqueIndex('users_username_ci_key').on(sql`lower(${t.username})`),
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
  ],
);

export const roles = identity.table(
  'roles',
  {
    id: uuid().primaryKey(),
    name: text().notNull(),
    description: text().notNull().default(''),
    /** Permission codenames the role grants (backoffice groups use this). */
    permissions: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('roles_name_key').on(t.name)],
);

export const userRoles = identity.table(
  'user_roles',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roleId: uuid()
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roleId] }), index('user_roles_role_idx').on(t.roleId)],
);

/**
 * A login. Token sessions (JWT + refresh family) and opaque sessions (session_id header) share this table;
 * revoking the row ends every credential issued under it.
 */
export const sessions = identity.table(
  'sessions',
  {
    id: uuid().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text().notNull(),
    /** sha256 of the opaque session id (kind = 'opaque'). */
    secretHash: text(),
    client: text().notNull().default('idp'),
    ipAddress: text().notNull().default(''),
    userAgent: text().notNull().default(''),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastAccessAt: ts('last_access_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    revokedReason: text(),
  },
  (t) => [
    uniqueIndex('sessions_secret_hash_key').on(t.secretHash),
    index('sessions_user_idx').on(t.userId),
    index('sessions_expires_idx').on(t.expiresAt),
  ],
);

/** One row per refresh token issued; `used_at` marks rotation, a second use is reuse. */
export const refreshTokens = identity.table(
  'refresh_tokens',
  {
    jti: uuid().primaryKey(),
    sessionId: uuid()
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId), index('refresh_tokens_expires_idx').on(t.expiresAt)],
);

export const apiKeys = identity.table(
  'api_keys',
  {
    id: uuid().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    /** First characters of the key, shown in listings so a user can tell keys apart. */
    prefix: text().notNull(),
    keyHash: text().notNull(),
    /** What the key may do: `<module>:read|write` (`*` for every module) and `admin` (granted by an admin). */
    scopes: text()
      .array()
      .notNull()
      .default(sql`'{*:write}'::text[]`),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_key_hash_key').on(t.keyHash), index('api_keys_user_idx').on(t.userId)],
);

/** An external identity (Google, VK ID, …) linked to a user: signing in with it signs in as that user. */
export const linkedIdentities = identity.table(
  'linked_identities',
  {
    id: uuid().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: text().notNull(),
    /** The provider's stable id of the person (`sub`, VK's user_id). */
    subject: text().notNull(),
    email: text(),
    emailVerified: boolean().notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastLoginAt: ts('last_login_at'),
  },
  (t) => [
    uniqueIndex('linked_identities_provider_subject_key').on(t.provider, t.subject),
    index('linked_identities_user_idx').on(t.userId),
  ],
);

/**
 * An external login in flight, keyed by the sha256 of its `state`: single-use (`used_at`), short-lived, and
 * bound to the browser that started it (sha256 of its binding cookie).
 */
export const oauthStates = identity.table(
  'oauth_states',
  {
    stateHash: text().primaryKey(),
    provider: text().notNull(),
    browserHash: text().notNull(),
    codeVerifier: text().notNull(),
    nonce: text(),
    /** Set when a signed-in user started the flow to link the identity to their account. */
    linkUserId: uuid().references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
  },
  (t) => [index('oauth_states_expires_idx').on(t.expiresAt)],
);

/**
 * One-time tickets keyed by their sha256: `login` (the code a front end exchanges for the Token after an
 * external login) and `link` (a provider identity waiting for the account with its email to sign in and
 * accept the link).
 */
export const oauthTickets = identity.table(
  'oauth_tickets',
  {
    ticketHash: text().primaryKey(),
    kind: text().notNull(),
    userId: uuid().references(() => users.id, { onDelete: 'cascade' }),
    provider: text().notNull(),
    subject: text().notNull(),
    email: text(),
    emailVerified: boolean().notNull().default(false),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
  },
  (t) => [index('oauth_tickets_expires_idx').on(t.expiresAt)],
);

/** Relying parties registered with Agora's OpenID provider (CLI or admin API); the secret is kept hashed. */
export const oidcClients = identity.table('oidc_clients', {
  clientId: text().primaryKey(),
  /** oidc-provider client metadata (redirect_uris, grant_types, token_endpoint_auth_method, …). */
  metadata: jsonb().notNull().$type<Record<string, unknown>>(),
  secretHash: text(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/**
 * oidc-provider's stored models (sessions, interactions, grants, codes, tokens) behind its adapter. The payload
 * is JSON text rather than jsonb so that any string a client sends survives; the indexed columns are the
 * lookups the adapter makes.
 */
export const oidcModels = identity.table(
  'oidc_models',
  {
    kind: text().notNull(),
    id: text().notNull(),
    payload: text().notNull(),
    grantId: text(),
    /** A Session's uid, or the uid of the session a token was issued in. */
    sessionUid: text(),
    userCode: text(),
    expiresAt: ts('expires_at'),
    consumedAt: ts('consumed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.id] }),
    index('oidc_models_grant_idx').on(t.grantId),
    index('oidc_models_session_uid_idx').on(t.sessionUid),
    index('oidc_models_user_code_idx').on(t.userCode),
    index('oidc_models_expires_idx').on(t.expiresAt),
  ],
);

/** Which Agora session an OpenID provider session (its uid) signed in with: ending one ends the other. */
export const oidcSessions = identity.table(
  'oidc_sessions',
  {
    uid: text().primaryKey(),
    sessionId: uuid()
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
  },
  (t) => [index('oidc_sessions_session_idx').on(t.sessionId)],
);
