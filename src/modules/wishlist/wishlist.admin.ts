import { eq } from 'drizzle-orm';
import { defineAdmin, invalidFields, type AdminResource } from '../../platform/admin/resource.js';
import type { IdentityApi } from '../identity/index.js';
import type { WishRow } from './wishlist.repository.js';
import { parseWishId, type WishService } from './wishlist.service.js';
import { wishes } from './wishlist.tables.js';

/** Adds owner and reserver usernames to a page of wishes (one query). */
const withNames = (identity: IdentityApi) => async (rows: WishRow[]) => {
  const names = await identity.usernames(rows.flatMap((w) => [w.userId, ...(w.reservedBy ? [w.reservedBy] : [])]));
  return rows.map((w) => ({
    ...w,
    owner: names.get(w.userId) ?? w.userId,
    reserver: w.reservedBy ? (names.get(w.reservedBy) ?? w.reservedBy) : w.reservedViaLink ? '(via link)' : null,
  }));
};

/** The wish list in the panel: every user's wishes, and the reservations made on them. */
export function wishlistAdmin(wishes_: WishService, identity: IdentityApi) {
  const load = async (raw: string) => {
    const id = parseWishId(raw);
    const row = id === undefined ? undefined : await wishes_.byId(id);
    return row && (await withNames(identity)([row]))[0];
  };
  const ownerOf = async (raw: string) => (await load(raw))?.userId ?? '';
  const body = (v: Record<string, unknown>) => ({
    title: v.title,
    description: v.description,
    url: v.url,
    price: v.price === '' ? null : v.price,
    is_reserved: v.isReserved,
    is_active: v.isActive,
  });

  const wishResource: AdminResource<WishRow> = {
    name: 'wishes',
    label: 'Wishes',
    source: { table: wishes, id: wishes.id },
    columns: [
      { key: 'title', label: 'Title' },
      { key: 'owner', label: 'Owner' },
      { key: 'price', label: 'Price' },
      { key: 'isReserved', label: 'Reserved' },
      { key: 'isActive', label: 'Active' },
      { key: 'createdAt', label: 'Created' },
    ],
    search: [wishes.title, wishes.userId, wishes.id],
    searchHint: 'title, owner id or wish id',
    filters: [
      { name: 'reserved', label: 'Reserved', column: wishes.isReserved },
      { name: 'active', label: 'Active', column: wishes.isActive },
    ],
    ordering: [{ key: 'id', label: 'Newest first', column: wishes.id, desc: true }],
    decorate: withNames(identity),
    fields: [
      { name: 'userId', label: 'Owner (user id)', required: true, createOnly: true },
      { name: 'owner', readOnly: true },
      { name: 'title', required: true, maxLength: 255 },
      { name: 'description', type: 'textarea' },
      { name: 'url', label: 'URL', maxLength: 200 },
      { name: 'price', help: 'A decimal such as 19.90; empty for none' },
      { name: 'isReserved', label: 'Reserved', type: 'boolean' },
      { name: 'isActive', label: 'Active', type: 'boolean' },
      { name: 'reserver', label: 'Reserved by', readOnly: true },
      { name: 'createdAt', label: 'Created', readOnly: true },
      { name: 'updatedAt', label: 'Updated', readOnly: true },
    ],
    title: (w) => w.title,
    get: load,
    async create(v) {
      const owner = String(v.userId);
      if (!/^[0-9a-f-]{36}$/i.test(owner) || !(await identity.getUser(owner)))
        throw invalidFields({ userId: 'No user has this id.' });
      return wishes_.create(owner, body(v));
    },
    update: async (id, v) => wishes_.update(await ownerOf(id), parseWishId(id), body(v), true),
    delete: async (id) => wishes_.remove(await ownerOf(id), parseWishId(id)),
  };

  const reservationResource: AdminResource<WishRow> = {
    ...wishResource,
    name: 'reservations',
    label: 'Reservations',
    source: { table: wishes, id: wishes.id, where: eq(wishes.isReserved, true) },
    columns: [
      { key: 'title', label: 'Wish' },
      { key: 'owner', label: 'Owner' },
      { key: 'reserver', label: 'Reserved by' },
      { key: 'reservedViaLink', label: 'Via share link' },
      { key: 'updatedAt', label: 'Since' },
    ],
    filters: [{ name: 'link', label: 'Via share link', column: wishes.reservedViaLink }],
    fields: wishResource.fields.map((f) => ({ ...f, readOnly: true })),
    create: undefined,
    update: undefined,
    delete: undefined,
    get: async (id) => {
      const w = await load(id);
      return w?.isReserved ? w : undefined;
    },
    actions: [
      {
        name: 'release',
        label: 'Release reservation',
        danger: true,
        confirm: 'Release this reservation? The wish becomes free to reserve again.',
        async run(id) {
          await wishes_.update(await ownerOf(id), parseWishId(id), { is_reserved: false, reserved_by: null }, true);
          return 'The reservation was released.';
        },
      },
    ],
  };

  return defineAdmin({ module: 'wishlist', label: 'Wish list', resources: [wishResource, reservationResource] });
}
