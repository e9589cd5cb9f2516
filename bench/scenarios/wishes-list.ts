import { desc, eq, sql } from 'drizzle-orm';
import { owners, wishes } from '../../src/modules/wishlist/wishlist.tables.js';
import { bareFastify, type Scenario } from '../scenario.js';
import { ownerView, seedWishes, wishJson } from '../wishlist-fixture.js';

/** GET /wishlist/api/wishes/ (20 wishes, SimpleJWT bearer) vs bare Fastify verifying the JWT and running the same query. */
export const scenario: Scenario = {
  name: 'wishes-list',
  description: 'GET /wishlist/api/wishes/ with 20 wishes and a bearer token vs bare Fastify running the same SQL',
  prepare: async (agora) => ({ path: '/wishlist/api/wishes/', headers: (await seedWishes(agora)).headers }),
  baseline: async ({ database }) => {
    const { jwtVerify } = await import('jose');
    const key = new TextEncoder().encode('bench-secret-bench-secret-bench-secret-0001');
    const db = database.db;
    const app = bareFastify();
    // Prepared, as the module's statement is: the comparison measures the module, not statement parsing.
    const list = db
      .select(ownerView)
      .from(wishes)
      .leftJoin(owners, sql`${owners.userId} = ${wishes.userId}`)
      .where(eq(wishes.userId, sql.placeholder('userId')))
      .orderBy(desc(wishes.createdAt), desc(wishes.id))
      .prepare('baseline_wishes_list');
    app.get('/wishlist/api/wishes/', async (req) => {
      const token = (req.headers.authorization ?? '').slice(7);
      const { payload } = await jwtVerify(token, key);
      const rows = await list.execute({ userId: payload.sub! });
      return rows.map(wishJson);
    });
    return app;
  },
};
