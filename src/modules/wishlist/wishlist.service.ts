import type { PlatformContext } from '../../platform/context.js';
import type { IdentityApi } from '../identity/index.js';
import { wishNotFound, invalid } from './wishlist.errors.js';
import {
  REQUIRED,
  booleanField,
  bodyErrors,
  charField,
  decimalField,
  urlErrors,
  userPkField,
  type FieldResult,
} from './wishlist.fields.js';
import { wishlistRepository as repo, type OwnerWish, type WishInsert } from './wishlist.repository.js';

type WishFields = Pick<
  WishInsert,
  'title' | 'description' | 'url' | 'price' | 'isReserved' | 'isActive' | 'reservedBy'
>;

const MAX_ID = 2_147_483_647;
/** A path id as Django's int lookup sees it: anything else is simply "not found". */
export const parseWishId = (raw: string): number | undefined =>
  /^\d{1,10}$/.test(raw) && Number(raw) <= MAX_ID ? Number(raw) : undefined;

export function createWishService(ctx: PlatformContext, identity: IdentityApi) {
  const db = ctx.database.db;
  const created = ctx.metrics.counter('wishlist_wishes_created_total', 'Wishes created');
  const deleted = ctx.metrics.counter('wishlist_wishes_deleted_total', 'Wishes deleted');
  const userExists = async (id: string) => Boolean(await identity.service.getUser(id));

  /** WishSerializer.is_valid(): every field's messages at once, in the serializer's field order. */
  async function clean(body: unknown, titleRequired: boolean): Promise<Partial<WishFields>> {
    const shapeErrors = bodyErrors(body);
    if (shapeErrors) throw invalid(shapeErrors);
    const data = (body ?? {}) as Record<string, unknown>;
    const errors: Record<string, string[]> = {};
    const out: Partial<WishFields> = {};
    const take = <K extends keyof WishFields>(key: string, field: K, r: FieldResult<WishFields[K]>) => {
      if (r.ok) out[field] = r.value;
      else errors[key] = r.errors;
    };
    if (data.title !== undefined) take('title', 'title', charField(data.title, { max: 255 }));
    else if (titleRequired) errors.title = [REQUIRED];
    if (data.description !== undefined)
      take('description', 'description', charField(data.description, { allowBlank: true }));
    if (data.url !== undefined)
      take('url', 'url', charField(data.url, { max: 200, allowBlank: true, extra: urlErrors }));
    if (data.price !== undefined) take('price', 'price', decimalField(data.price));
    if (data.is_reserved !== undefined) take('is_reserved', 'isReserved', booleanField(data.is_reserved));
    if (data.is_active !== undefined) take('is_active', 'isActive', booleanField(data.is_active));
    if (data.reserved_by !== undefined)
      take('reserved_by', 'reservedBy', await userPkField(data.reserved_by, userExists));
    if (Object.keys(errors).length) throw invalid(errors);
    return out;
  }

  async function getOwn(userId: string, id: number | undefined): Promise<OwnerWish> {
    const row = id === undefined ? undefined : await repo.getOwn(db, userId, id);
    if (!row) throw wishNotFound();
    return row;
  }

  return {
    list: (userId: string) => repo.listOwn(db, userId),

    async page(userId: string, page: number, limit: number) {
      const [rows, total] = await Promise.all([
        repo.listOwn(db, userId, { limit, offset: (page - 1) * limit }),
        repo.countOwn(db, userId),
      ]);
      return { rows, total };
    },

    get: getOwn,

    /** Any user's wish, for the admin panel (which then edits it through update/remove as its owner). */
    byId: async (id: number) => repo.byId(db, id),

    async create(userId: string, body: unknown): Promise<OwnerWish> {
      const fields = await clean(body, true);
      const now = ctx.clock.now();
      const { id } = await repo.insert(db, {
        ...fields,
        title: fields.title!,
        userId,
        reservedViaLink: false,
        createdAt: now,
        updatedAt: now,
      });
      created.inc();
      return getOwn(userId, id);
    },

    /** PUT requires a title and PATCH does not; fields left out keep their values either way (as in DRF). */
    async update(userId: string, id: number | undefined, body: unknown, partial: boolean): Promise<OwnerWish> {
      const current = await getOwn(userId, id);
      const fields = await clean(body, !partial);
      // A client that PUTs back what it read echoes reserved_by as shown (null while a link reservation is
      // secret): the same value changes nothing, so the visitor's reservation survives an ordinary edit.
      if (fields.reservedBy !== undefined && fields.reservedBy === current.reservedBy) delete fields.reservedBy;
      let link: Partial<WishInsert> = {};
      if (fields.reservedBy !== undefined) {
        // The owner naming a reserver by hand is the original's field, not a secret reservation.
        link = { reservedViaLink: false };
      } else if (fields.isReserved === false && current.reservedViaLink) {
        // The owner releasing a link reservation releases it entirely (the visitor no longer holds it).
        link = { reservedBy: null, reservedViaLink: false };
      }
      await repo.update(db, userId, id!, { ...fields, ...link, updatedAt: ctx.clock.now() });
      return getOwn(userId, id);
    },

    async remove(userId: string, id: number | undefined): Promise<void> {
      if (id === undefined || !(await repo.delete(db, userId, id))) throw wishNotFound();
      deleted.inc();
    },
  };
}

export type WishService = ReturnType<typeof createWishService>;
