import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { PanelClient, panelUser } from './helpers.js';

const ROWS = 100_000;
const DEAD = 10;
const BUDGET_MS = 50;

/**
 * The delivery history over 100k rows (the hot table of deliveries gets no index of the panel's own): pages in id
 * order, and status filters, also a rare status (10 dead deliveries among 100k), with and without the notification.
 */
describe(`admin list of ${ROWS} deliveries`, () => {
  let agora: Agora;
  let browser: PanelClient;
  let notification = '';

  beforeAll(async () => {
    agora = await testApp();
    const admin = await panelUser(agora, { superuser: true });
    browser = new PanelClient(agora);
    await browser.signIn(admin.username, admin.password);
    const db = agora.ctx.database.db;
    const made = await db.execute(sql`insert into notifications.notifications (id, subject, body, channel, distribution)
      values (gen_random_uuid(), 's', 'b', 'email', '{"all": true}') returning id`);
    notification = (made as unknown as { rows: { id: string }[] }).rows[0]!.id;
    await db.execute(sql`insert into notifications.occurrences (id, notification_id, due_at)
      values (gen_random_uuid(), ${notification}, now())`);
    await db.execute(sql`insert into notifications.deliveries
        (id, occurrence_id, notification_id, user_id, channel, status, deliver_after)
      select gen_random_uuid(), o.id, o.notification_id, gen_random_uuid(), 'email',
        case when n <= ${DEAD} then 'dead' else 'sent' end, now()
      from notifications.occurrences o, generate_series(1, ${ROWS}) n`);
    await db.execute(sql`analyze notifications.deliveries`);
  }, 180_000);
  afterAll(async () => agora?.app.close());

  async function timed(url: string) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < 6; i++) {
      const started = performance.now();
      const res = await browser.get(url);
      times.push(performance.now() - started);
      expect(res.statusCode, url).toBe(200);
      rows = (res.body.match(/<td data-label="User">/g) ?? []).length;
    }
    times.shift();
    times.sort((a, b) => a - b);
    return { ms: times[0]!, median: times[Math.floor(times.length / 2)]!, rows };
  }

  it(`renders the first page and status-filtered pages, a rare status too, in under ${BUDGET_MS} ms`, async () => {
    const pages = {
      first: ['/admin/notifications/deliveries', 50],
      sent: ['/admin/notifications/deliveries?f_status=sent', 50],
      deadOfNotification: [`/admin/notifications/deliveries?q=${notification}&f_status=dead`, DEAD],
      deadAnywhere: ['/admin/notifications/deliveries?f_status=dead', DEAD],
    } as const;
    const figures: Record<string, string> = {};
    for (const [name, [url, expected]] of Object.entries(pages)) {
      const { ms, median, rows } = await timed(url);
      figures[name] = `${ms.toFixed(1)} (median ${median.toFixed(1)})`;
      expect(rows, name).toBe(expected);
      expect(ms, `${name} page took ${ms.toFixed(1)} ms`).toBeLessThan(BUDGET_MS);
    }
    console.log(`admin deliveries list over ${ROWS} rows, fastest ms per page:`, figures);
  });
});
