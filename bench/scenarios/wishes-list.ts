import { desc, eq, sql } from 'drizzle-orm';
import { owners, wishes } from '../../src/modules/wishlist/wishlist.tables.js';
import { bareFastify, type Scenario } from '../scenario.js';

const password = 'bench-password-123';

/** The module's owner-view query, written out again: the baseline runs the same SQL with no module code. */
const ownerView = {
  id: wishes.id,
  userId: wishes.userId,
  title: wishes.title,
  description: wishes.description,
  url: wishes.url,
  price: wishes.price,
  isReserved: wishes.isReserved,
  reservedBy: sql<string | null>`case when ${wishes.reservedViaLink} and not coalesce(${owners.showReservers}, false)
    then null else ${wishes.reservedBy} end`.as('reserved_by'),
  isActive: wishes.isActive,
  createdAt: wishes.createdAt,
  updatedAt: wishes.updatedAt,
};

/** GET /wishlist/api/wishes/ (20 wishes, SimpleJWT bearer) vs bare Fastify verifying the JWT and running the same query. */
export const scenario: Scenario = {
  name: 'wishes-list',
  description: 'GET /wishlist/api/wishes/ with 20 wishes and a bearer token vs bare Fastify running the same SQL',
  prepare: async (agora) => {
    const username = `benchwl${Date.now()}`;
    await agora.app.inject({ method: 'POST', url: '/wishlist/api/register/', payload: { username, password } });
    const login = await agora.app.inject({
      method: 'POST',
      url: '/wishlist/api/login/',
      payload: { username, password },
    });
    const { access } = login.json<{ access: string }>();
    const headers = { authorization: `Bearer ${access}` };
    for (let i = 0; i < 20; i++) {
      const res = await agora.app.inject({
        method: 'POST',
        url: '/wishlist/api/wishes/',
        headers,
        payload: {
          title: `Wish ${i}`,
          description: 'A thing I would like',
          url: 'https://example.com/x',
          price: '19.99',
        },
      });
      if (res.statusCode !== 201) throw new Error(`seeding failed: ${res.statusCode} ${res.body}`);
    }
    return { path: '/wishlist/api/wishes/', headers };
  },
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
      return rows.map((w) => ({
        id: w.id,
        title: w.title,
        description: w.description,
        url: w.url,
        price: w.price,
        is_reserved: w.isReserved,
        is_active: w.isActive,
        created_at: w.createdAt.toISOString(),
        updated_at: w.updatedAt.toISOString(),
        user: w.userId,
        reserved_by: w.reservedBy,
      }));
    });
    return app;
  },
};
