import { sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import pg from 'pg';
import { buildApp, type Agora } from '../../src/app.js';
import { configFrom } from '../../src/config.js';
import { logDestination } from '../../src/platform/observability/logger.js';
import { SEARCH, buildEmployeesFixture } from '../fixtures/backoffice-employees.js';
import type { Scenario } from '../scenario.js';

const PATH = `/backoffice/api/employees/?search=${SEARCH}`;
const BIG = 100_000;
const SMALL = 1_000;
const OWNER = 'bench-owner@bench.test';
const PASSWORD = 'bench-owner-password-1';
const config = { BACKOFFICE_ACCESS_TOKEN_TTL: '2h', BACKOFFICE_INSECURE_COOKIES: 'true' };

/** A sibling database on the same PostgreSQL server for the small data set. */
async function smallDatabaseUrl(base: string): Promise<string> {
  const url = new URL(base);
  const name = `${url.pathname.slice(1) || 'postgres'}_bo_small`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (!found.rowCount) await admin.query(`create database "${name}"`);
  await admin.end();
  url.pathname = `/${name}`;
  return url.toString();
}

/** The owner account through the module's own API (a superuser creates it), logged in with the cookie login. */
async function ownerCookie(agora: Agora): Promise<{ cookie: string; userId: string }> {
  const { service } = agora.identity;
  const { user: su } = await service.ensureSuperuser({
    username: 'bench-su',
    email: 'bench-su@bench.test',
    password: PASSWORD,
  });
  const bearer = { authorization: `Bearer ${(await service.issueTokens(su)).accessToken}` };
  const made = await agora.app.inject({
    method: 'POST',
    url: '/backoffice/api/users/',
    headers: bearer,
    payload: { email: OWNER, password: PASSWORD, group: 'owner', first_name: 'Bench', last_name: 'Owner' },
  });
  if (made.statusCode !== 201 && !made.body.includes('already exists'))
    throw new Error(`owner: ${made.statusCode} ${made.body}`);
  const login = await agora.app.inject({
    method: 'POST',
    url: '/backoffice/auth/token/',
    payload: { email: OWNER, password: PASSWORD },
  });
  const access = /access_token=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1];
  if (!access) throw new Error(`login: ${login.statusCode} ${login.body}`);
  return { cookie: `access_token=${access}`, userId: decodeJwt(access).sub! };
}

/**
 * An owner's employee list with a search filter, nested user, branches and courses, at 100k employees ("agora")
 * and at 1k ("baseline": the same app and request on a sibling database), so the ratio is 100k req/s over 1k
 * req/s and the two p99s compare directly. The owner's partner has 1 000 employees in both; the other 99
 * partners of the big set must not slow them down.
 */
export const scenario: Scenario = {
  name: 'backoffice-employees',
  description: `GET ${PATH} as an owner (cookie), 20 nested employees a page, on 100k employees vs the same on 1k`,
  connections: 32,
  config,
  prepare: async (agora) => {
    if (agora.ctx.database.kind !== 'postgres')
      throw new Error('the backoffice-employees bench needs DATABASE_URL (PostgreSQL)');
    const owner = await ownerCookie(agora);
    await buildEmployeesFixture(agora, BIG, owner.userId);
    const check = await agora.app.inject({ url: PATH, headers: { cookie: owner.cookie } });
    if (check.statusCode !== 200 || check.json().results.length !== 20)
      throw new Error(`check: ${check.statusCode} ${check.body.slice(0, 300)}`);
    return { path: PATH, headers: { cookie: owner.cookie } };
  },
  baseline: async ({ request }) => {
    const base = process.env.DATABASE_URL;
    if (!base) throw new Error('the backoffice-employees bench needs DATABASE_URL (PostgreSQL)');
    const small = await buildApp(
      configFrom({
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0001',
        DATA_DIR: process.env.BENCH_DATA_DIR ?? '/tmp',
        DATABASE_URL: await smallDatabaseUrl(base),
        REDIS_URL: process.env.REDIS_URL ?? '',
        DEMO_DATA: 'false',
        RATE_LIMIT_ENABLED: 'false',
        ...config,
      }),
      { logSink: logDestination('/dev/null') },
    );
    // The same cookie must work here: its account and session are written into this database too.
    const token = /access_token=([^;]+)/.exec(request.headers!.cookie!)![1]!;
    const { sub, sid } = decodeJwt(token) as { sub: string; sid: string };
    const { db } = small.ctx.database;
    await db.execute(
      sql`insert into identity.users (id, username, email) values (${sub}, ${`bench-owner-${sub}`}, ${`owner-${sub}@bench.test`}) on conflict do nothing`,
    );
    await db.execute(sql`insert into identity.sessions (id, user_id, kind, client, expires_at) values (${sid}, ${sub}, 'token', 'backoffice', now() + interval '1 day')
      on conflict (id) do update set revoked_at = null, expires_at = excluded.expires_at`);
    await db.execute(
      sql`insert into identity.user_roles (user_id, role_id) select ${sub}, id from identity.roles where name = 'owner' on conflict do nothing`,
    );
    await db.execute(sql`insert into backoffice.users (user_id, email, username, group_id)
      values (${sub}, ${`owner-${sub}@bench.test`}, ${`owner-${sub}@bench.test`}, (select id from backoffice.groups where name = 'owner')) on conflict do nothing`);
    await buildEmployeesFixture(small, SMALL, sub);
    const check = await small.app.inject({ url: PATH, headers: request.headers });
    if (check.statusCode !== 200 || check.json().results.length !== 20)
      throw new Error(`small check: ${check.statusCode} ${check.body.slice(0, 300)}`);
    return small.app;
  },
};
