import { Type, type Static } from 'typebox';
import { isoTime } from '../../platform/http/drf.js';
import type { OwnerWish, WishRow } from './wishlist.repository.js';

/**
 * Schemas document the DRF contract in OpenAPI and fix response key order. Request bodies are checked by
 * the module's own DRF-style fields (routes use attachValidation), so error texts match the original.
 */
/** DRF CharField (trim_whitespace, allow_blank=False): blank after trimming is "This field may not be blank." */
const required = (opts: Record<string, unknown> = {}) => Type.String({ minLength: 1, pattern: '\\S', ...opts });

/** Django's username: letters, digits and @.+-_ (Unicode letters included), surrounding blanks trimmed. */
const Username = Type.String({ minLength: 1, maxLength: 150, pattern: '^\\s*[\\p{L}\\p{N}_.@+-]+\\s*$' });

const nullable = <T extends 'string' | 'integer'>(type: T, extra: Record<string, unknown> = {}) =>
  Type.Unsafe<string | null>({ type: [type, 'null'], ...extra });

export const Detail = Type.Object({ detail: Type.String() }, { additionalProperties: true });
// Permissive on purpose: a 400 is either field errors or DRF's {"detail"} for an unreadable body.
export const FieldErrors = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  additionalProperties: true,
  description: 'DRF validation errors {field: [messages]}, or {"detail": "JSON parse error - ..."}',
});

export const Wish = Type.Object({
  id: Type.Integer(),
  title: Type.String({ maxLength: 255 }),
  description: Type.String(),
  url: Type.String({ maxLength: 200 }),
  price: nullable('string', { description: 'decimal(10,2) rendered as a string, e.g. "150.00"' }),
  is_reserved: Type.Boolean(),
  is_active: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  user: Type.String({ format: 'uuid', description: 'owner (read-only)' }),
  reserved_by: nullable('string', { format: 'uuid' }),
});
export type WishOut = Static<typeof Wish>;
/** DRF PageNumberPagination, when ?page= or ?limit= is given. */
export const WishPage = Type.Object({
  count: Type.Integer({ description: 'wishes in all pages' }),
  next: nullable('string', { description: 'absolute URL of the next page' }),
  previous: nullable('string', { description: 'absolute URL of the previous page' }),
  results: Type.Array(Wish),
});
export const WishList = Type.Union([Type.Array(Wish), WishPage], {
  description: 'a bare array of wishes; with ?page= or ?limit=, a DRF page {count, next, previous, results}',
});

const priceIn = Type.Union([Type.String(), Type.Number(), Type.Null()], {
  description: 'max 8 integer digits, 2 decimals',
});
const wishFields = {
  title: required({ maxLength: 255 }),
  description: Type.Optional(Type.String()),
  url: Type.Optional(Type.String({ maxLength: 200, description: 'http(s)/ftp(s) URL' })),
  price: Type.Optional(priceIn),
  is_reserved: Type.Optional(Type.Boolean()),
  is_active: Type.Optional(Type.Boolean()),
  reserved_by: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
};
export const WishCreate = Type.Object(wishFields);
export const WishPatch = Type.Partial(Type.Object(wishFields));

export const WishId = Type.Object({ id: Type.String({ description: 'wish id (integer)' }) });
export const ListQuery = Type.Object({
  page: Type.Optional(
    Type.Integer({ minimum: 1, description: 'page number; asking for it (or limit) returns a page object' }),
  ),
  limit: Type.Optional(Type.String({ description: 'page size (default 20, at most 100)' })),
});

const iso = isoTime;

export const wishOut = (w: OwnerWish): WishOut => ({
  id: w.id,
  title: w.title,
  description: w.description,
  url: w.url,
  price: w.price,
  is_reserved: w.isReserved,
  is_active: w.isActive,
  created_at: iso(w.createdAt),
  updated_at: iso(w.updatedAt),
  user: w.userId,
  reserved_by: w.reservedBy,
});

// ---- accounts --------------------------------------------------------------------------------------
export const Register = Type.Object({
  username: Username,
  password: required(),
  email: Type.Optional(Type.String({ format: 'email' })),
  first_name: Type.Optional(Type.String({ maxLength: 150 })),
  last_name: Type.Optional(Type.String({ maxLength: 150 })),
});
export const Registered = Type.Object({
  username: Type.String(),
  email: Type.String(),
  first_name: Type.String(),
  last_name: Type.String(),
});
export const Login = Type.Object({ username: required(), password: required() });
export const TokenPair = Type.Object({ refresh: Type.String(), access: Type.String() });
export const RefreshIn = Type.Object({ refresh: required() });
export const AccessOut = Type.Object({ access: Type.String() });
export const Me = Type.Object({
  id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  email: Type.String(),
  first_name: Type.String(),
  last_name: Type.String(),
  is_active: Type.Boolean(),
});
export const MePut = Type.Object({
  username: Username,
  email: Type.Optional(Type.String({ format: 'email' })),
  first_name: Type.Optional(Type.String({ maxLength: 150 })),
  last_name: Type.Optional(Type.String({ maxLength: 150 })),
});
export const MePatch = Type.Object({
  first_name: Type.Optional(Type.String({ maxLength: 150 })),
  last_name: Type.Optional(Type.String({ maxLength: 150 })),
});

// ---- sharing and reservations ---------------------------------------------------------------------
export const Share = Type.Object({
  token: Type.String(),
  url: Type.String({ description: 'path of the public read-only list' }),
  created_at: Type.String({ format: 'date-time' }),
});
export const Settings = Type.Object({
  show_reservers: Type.Boolean({ description: 'show who reserved your wishes through the share link' }),
});
export const SettingsPatch = Type.Partial(Settings);
export const ShareToken = Type.Object({ token: Type.String() });
export const SharedWishParams = Type.Object({ token: Type.String(), id: Type.String() });
export const PublicWish = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  description: Type.String(),
  url: Type.String(),
  price: nullable('string'),
  is_reserved: Type.Boolean(),
  reserved_by_me: Type.Boolean({ description: 'false for anonymous visitors' }),
  created_at: Type.String({ format: 'date-time' }),
});
export const SharedList = Type.Object({
  owner: Type.Object({ username: Type.String(), first_name: Type.String(), last_name: Type.String() }),
  wishes: Type.Array(PublicWish),
});

export const publicWish = (w: WishRow, visitorId?: string): Static<typeof PublicWish> => ({
  id: w.id,
  title: w.title,
  description: w.description,
  url: w.url,
  price: w.price,
  is_reserved: w.isReserved,
  reserved_by_me: Boolean(visitorId && w.reservedBy === visitorId),
  created_at: iso(w.createdAt),
});
