import type { PlatformContext } from '../../platform/context.js';
import type { AgoraModule } from '../../platform/http/module.js';
import type { IdentityApi } from '../identity/index.js';
import { accountRoutes } from './wishlist.account.routes.js';
import { createAccountService } from './wishlist.accounts.js';
import { wishlistAdmin } from './wishlist.admin.js';
import { simpleJwtAuth } from './wishlist.auth.js';
import { renderWishlistError } from './wishlist.errors.js';
import { wishlistRepository as repo } from './wishlist.repository.js';
import { wishRoutes } from './wishlist.routes.js';
import { shareRoutes } from './wishlist.share.routes.js';
import { createWishService } from './wishlist.service.js';
import { createSharingService } from './wishlist.sharing.js';

export type { WishService } from './wishlist.service.js';

const DRF_PARSES = ['application/json', 'application/x-www-form-urlencoded'];

const DEMO_WISHES: Record<string, { title: string; description: string; url: string; price: string | null }[]> = {
  alice: [
    {
      title: 'Espresso machine',
      description: 'Manual lever, please',
      url: 'https://example.com/espresso',
      price: '349.90',
    },
    { title: 'Hiking boots', description: 'Size 38', url: '', price: '150.00' },
    { title: 'A good novel', description: 'Surprise me', url: '', price: null },
  ],
  bob: [
    { title: 'Mechanical keyboard', description: 'Brown switches', url: 'https://example.com/kb', price: '120.00' },
    { title: 'Board game night', description: '', url: '', price: '45.50' },
  ],
};

/** The seed-0 wish-list API (DRF + SimpleJWT shapes) plus share links and secret gift reservations. */
export function createWishlistModule(ctx: PlatformContext, deps: { identity: IdentityApi }): AgoraModule {
  const { identity } = deps;
  const auth = simpleJwtAuth(identity);
  const wishes = createWishService(ctx, identity);
  const accounts = createAccountService(ctx, identity);
  const sharing = createSharingService(ctx, identity);
  const prefix = ctx.config.MOUNT_WISHLIST.replace(/\/+$/, '');
  const sharedPath = (token: string) => `${prefix}/api/shared/${token}/`;

  return {
    name: 'wishlist',
    // DRF's field errors name a NUL character ("Null characters are not allowed.").
    checksText: true,
    // DRF authenticates before it looks at the method: an anonymous call to a private path is a 401, not a 405.
    authBeforeMethod: true,
    description: 'Personal wish lists (the Django REST + SimpleJWT seed), share links and secret gift reservations',
    async routes(app) {
      // DRF parses JSON and forms only: any other body type is a 415 (Fastify would read text/plain as a string).
      app.removeContentTypeParser('text/plain');
      // ...and documents both for every body.
      app.addHook('onRoute', (route) => {
        if (route.schema?.body) route.schema = { ...route.schema, consumes: [...DRF_PARSES] };
      });
      // The seed's own health check, under the prefix (the platform's /health serves it at the root too).
      app.get('/health/', { schema: { hide: true } }, async () => ({ status: 'ok' }));
      await app.register(accountRoutes(accounts, auth));
      await app.register(wishRoutes(wishes, auth));
      await app.register(shareRoutes(sharing, auth, sharedPath));
    },
    renderError: renderWishlistError,
    admin: wishlistAdmin(wishes, identity),
    /** alice and bob with wishes; alice's list is shared and bob has reserved one of her wishes. */
    async seed() {
      const lines: string[] = [];
      const users: Record<string, string> = {};
      for (const name of Object.keys(DEMO_WISHES)) {
        const u = await identity.demoUser(name, { email: `${name}@agora.local` });
        if (u.password) lines.push(`wishlist: user ${name} / ${u.password}`);
        users[name] = u.id;
        if ((await wishes.list(u.id)).length) continue;
        for (const w of DEMO_WISHES[name]!) await wishes.create(u.id, w);
      }
      const alice = users.alice!;
      const link = await sharing.link(alice).catch(() => sharing.rotate(alice));
      const open = await repo.activeOf(ctx.database.db, alice);
      if (!open.some((w) => w.isReserved) && open[0])
        await sharing.reserve(link.shareToken, String(open[0].id), users.bob!);
      lines.push(`wishlist: alice's shared list ${sharedPath(link.shareToken)}`);
      return lines;
    },
  };
}
