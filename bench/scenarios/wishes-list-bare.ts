import { desc, eq, sql } from 'drizzle-orm';
import { owners, wishes } from '../../src/modules/wishlist/wishlist.tables.js';
import type { Scenario } from '../scenario.js';
import { bareHttp, jwtKey, ownerView, seedWishes, wishJson } from '../wishlist-fixture.js';

/**
 * GET /wishlist/api/wishes/ (20 wishes, SimpleJWT bearer) vs a bare `node:http` server on the same driver (`pg`
 * through Drizzle), verifying the JWT with jose on every request and running the same prepared statement.
 */
export const scenario: Scenario = {
  name: 'wishes-list-bare',
  description:
    'GET /wishlist/api/wishes/ with 20 wishes and a bearer token vs bare node:http + pg running the same SQL',
  prepare: async (agora) => ({ path: '/wishlist/api/wishes/', headers: (await seedWishes(agora)).headers }),
  baseline: async ({ database }) => {
    const { jwtVerify } = await import('jose');
    const key = await jwtKey();
    const list = database.db
      .select(ownerView)
      .from(wishes)
      .leftJoin(owners, sql`${owners.userId} = ${wishes.userId}`)
      .where(eq(wishes.userId, sql.placeholder('userId')))
      .orderBy(desc(wishes.createdAt), desc(wishes.id))
      .prepare('baseline_wishes_list');
    return bareHttp(async (req) => {
      if (req.url !== '/wishlist/api/wishes/') return undefined;
      const { payload } = await jwtVerify((req.headers.authorization ?? '').slice(7), key);
      const rows = await list.execute({ userId: payload.sub! });
      return JSON.stringify(rows.map(wishJson));
    });
  },
};
