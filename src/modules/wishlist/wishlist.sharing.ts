import type { PlatformContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import type { IdentityApi } from '../identity/index.js';
import { invalid, wishNotFound } from './wishlist.errors.js';
import { bodyErrors, booleanField } from './wishlist.fields.js';
import { wishlistRepository as repo, type OwnerRow, type WishRow } from './wishlist.repository.js';
import { parseWishId } from './wishlist.service.js';

/**
 * Share links and secret gift reservations. A link is an unguessable token (192 bits); rotating replaces it,
 * revoking clears it. Reserving is one conditional UPDATE, so two visitors racing cannot both win.
 */
export function createSharingService(ctx: PlatformContext, identity: IdentityApi) {
  const db = ctx.database.db;
  const reservations = ctx.metrics.counter('wishlist_reservations_total', 'Gift reservations through share links', [
    'action',
  ]);

  async function ownerOfLink(token: string): Promise<OwnerRow> {
    // Tokens are base64url; anything else cannot match and needs no query.
    const row = /^[\w-]{16,64}$/.test(token) ? await repo.ownerByToken(db, token) : undefined;
    if (!row) throw wishNotFound();
    return row;
  }

  async function targetOf(token: string, rawId: string) {
    const owner = await ownerOfLink(token);
    const id = parseWishId(rawId);
    if (id === undefined) throw wishNotFound();
    return { owner, id };
  }

  return {
    async link(userId: string): Promise<OwnerRow & { shareToken: string; sharedAt: Date }> {
      const row = await repo.owner(db, userId);
      if (!row?.shareToken || !row.sharedAt) throw wishNotFound();
      return row as OwnerRow & { shareToken: string; sharedAt: Date };
    },

    /** Creates the link, or replaces it: the old token stops working at once. */
    async rotate(userId: string) {
      const now = ctx.clock.now();
      const row = await repo.upsertOwner(db, userId, {
        shareToken: ctx.clock.token(24),
        sharedAt: now,
        updatedAt: now,
      });
      return row as OwnerRow & { shareToken: string; sharedAt: Date };
    },

    async revoke(userId: string): Promise<void> {
      await repo.upsertOwner(db, userId, { shareToken: null, sharedAt: null, updatedAt: ctx.clock.now() });
    },

    settings: async (userId: string) => ({ showReservers: (await repo.owner(db, userId))?.showReservers ?? false }),

    async updateSettings(userId: string, body: unknown) {
      const shape = bodyErrors(body);
      if (shape) throw invalid(shape);
      const raw = (body ?? {}) as Record<string, unknown>;
      if (raw.show_reservers === undefined) return this.settings(userId);
      const r = booleanField(raw.show_reservers);
      if (!r.ok) throw invalid({ show_reservers: r.errors });
      const row = await repo.upsertOwner(db, userId, { showReservers: r.value, updatedAt: ctx.clock.now() });
      return { showReservers: row.showReservers };
    },

    /** The owner's active wishes, read-only, for anyone holding the link. */
    async sharedList(token: string) {
      const owner = await ownerOfLink(token);
      const [user, wishes] = await Promise.all([
        identity.service.getUser(owner.userId),
        repo.activeOf(db, owner.userId),
      ]);
      if (!user?.isActive) throw wishNotFound();
      return { owner: user, wishes };
    },

    async reserve(token: string, rawId: string, visitorId: string): Promise<WishRow> {
      const { owner, id } = await targetOf(token, rawId);
      if (owner.userId === visitorId) throw new AppError('FORBIDDEN', 403, 'You cannot reserve your own wish.');
      const won = await repo.reserve(db, owner.userId, id, visitorId, ctx.clock.now());
      if (won) {
        reservations.inc({ action: 'reserve' });
        return won;
      }
      if (!(await repo.activeWish(db, owner.userId, id))) throw wishNotFound();
      throw new AppError('CONFLICT', 409, 'This wish is already reserved.');
    },

    async unreserve(token: string, rawId: string, visitorId: string): Promise<void> {
      const { owner, id } = await targetOf(token, rawId);
      const done = await repo.unreserve(db, owner.userId, id, visitorId, ctx.clock.now());
      if (done) {
        reservations.inc({ action: 'unreserve' });
        return;
      }
      if (!(await repo.activeWish(db, owner.userId, id))) throw wishNotFound();
      throw new AppError('CONFLICT', 409, 'You have not reserved this wish.');
    },
  };
}

export type SharingService = ReturnType<typeof createSharingService>;
