import { and, eq, sql } from 'drizzle-orm';
import { owners, wishes } from '../../src/modules/wishlist/wishlist.tables.js';
import type { Scenario } from '../scenario.js';
import { bareHttp, jwtKey, ownerView, seedWishes, wishJson } from '../wishlist-fixture.js';

const DETAIL = /^\/wishlist\/api\/wishes\/(\d{1,10})\/$/;

/**
 * GET /wishlist/api/wishes/<id>/ (SimpleJWT bearer) vs a bare `node:http` server on the same driver (`pg` through
 * Drizzle), verifying the JWT with jose on every request and running the same query as a prepared statement.
 */
export const scenario: Scenario = {
  name: 'wish-detail-bare',
  description: 'GET /wishlist/api/wishes/<id>/ with a bearer token vs bare node:http + pg running the same SQL',
  prepare: async (agora) => {
    const { headers, ids } = await seedWishes(agora);
    return { path: `/wishlist/api/wishes/${ids[10]}/`, headers };
  },
  baseline: async ({ database }) => {
    const { jwtVerify } = await import('jose');
    const key = await jwtKey();
    const one = database.db
      .select(ownerView)
      .from(wishes)
      .leftJoin(owners, sql`${owners.userId} = ${wishes.userId}`)
      .where(and(eq(wishes.id, sql.placeholder('id')), eq(wishes.userId, sql.placeholder('userId'))))
      .prepare('baseline_wish_detail');
    return bareHttp(async (req) => {
      const m = DETAIL.exec(req.url ?? '');
      if (!m) return undefined;
      const { payload } = await jwtVerify((req.headers.authorization ?? '').slice(7), key);
      const [row] = await one.execute({ id: Number(m[1]), userId: payload.sub! });
      return row ? JSON.stringify(wishJson(row)) : undefined;
    });
  },
};
