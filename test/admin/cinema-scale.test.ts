import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { PanelClient, panelUser } from './helpers.js';

const FILMS = 1000;
const PERSONS = 50;
const ROLES = ['actor', 'writer'];
const ROWS = FILMS * PERSONS * ROLES.length;
const BUDGET_MS = 50;
const cursor = (values: string[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
type Link = { film_id: string; person_id: string; role: string };

/** The person–film links (a three-column key) page by keyset like any other list: any page costs the same. */
describe(`admin list of ${ROWS} person–film links`, () => {
  let agora: Agora;
  let browser: PanelClient;
  let middle: Link;

  beforeAll(async () => {
    agora = await testApp();
    const admin = await panelUser(agora, { superuser: true });
    browser = new PanelClient(agora);
    await browser.signIn(admin.username, admin.password);
    const db = agora.ctx.database.db;
    await db.execute(sql`insert into cinema.films (id, title, title_folded, search)
      select gen_random_uuid(), 'film ' || n, 'film ' || n, ''::tsvector from generate_series(1, ${FILMS}) n`);
    await db.execute(sql`insert into cinema.persons (id, full_name, name_folded, search)
      select gen_random_uuid(), 'person ' || n, 'person ' || n, ''::tsvector from generate_series(1, ${PERSONS}) n`);
    await db.execute(sql`insert into cinema.film_persons (film_id, person_id, role)
      select f.id, p.id, r from cinema.films f, cinema.persons p, unnest(${`{${ROLES.join(',')}}`}::text[]) r`);
    await db.execute(sql`analyze cinema.film_persons`);
    const res = await db.execute(sql`select film_id, person_id, role from cinema.film_persons
      order by film_id, person_id, role offset ${ROWS / 2} limit 1`);
    middle = (res as unknown as { rows: Link[] }).rows[0]!;
  }, 180_000);
  afterAll(async () => agora?.app.close());

  async function timed(url: string) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < 8; i++) {
      const started = performance.now();
      const res = await browser.get(url);
      const ms = performance.now() - started;
      expect(res.statusCode, url).toBe(200);
      rows = (res.body.match(/<td data-label="Film">/g) ?? []).length;
      if (i > 0) times.push(ms);
    }
    times.sort((a, b) => a - b);
    return { ms: times[0]!, median: times[Math.floor(times.length / 2)]!, rows };
  }

  it(`renders any page by film or by person, filtered or not, in under ${BUDGET_MS} ms`, async () => {
    const { film_id: f, person_id: p, role: r } = middle;
    const pages = {
      first: '/admin/cinema/links',
      middle: `/admin/cinema/links?after=${cursor([f, p, r])}`,
      backwards: `/admin/cinema/links?before=${cursor([f, p, r])}`,
      byPersonMiddle: `/admin/cinema/links?order=person&after=${cursor([p, f, r])}`,
      byPersonReversed: `/admin/cinema/links?order=-person&after=${cursor([p, f, r])}`,
      filteredByRole: `/admin/cinema/links?f_role=writer&after=${cursor([f, p, r])}`,
    };
    const figures: Record<string, string> = {};
    for (const [name, url] of Object.entries(pages)) {
      const { ms, median, rows } = await timed(url);
      figures[name] = `${ms.toFixed(1)} (median ${median.toFixed(1)})`;
      expect(rows, name).toBe(50);
      expect(ms, `${name} page took ${ms.toFixed(1)} ms`).toBeLessThan(BUDGET_MS);
    }
    console.log(`admin links list over ${ROWS} rows, fastest ms per page:`, figures);
  });
});
