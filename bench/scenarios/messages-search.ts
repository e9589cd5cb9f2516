import { sql } from 'drizzle-orm';
import type { Agora } from '../../src/app.js';
import { bareFastify, type Scenario } from '../scenario.js';
import { messengerFixture, rowsOf } from './messages-read.js';

const MESSAGES = Number(process.env.BENCH_SEARCH_MESSAGES ?? 1_000_000);
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

/** Creates a search task through the API and waits for SUCCESS; returns the milliseconds it took. */
async function timeSearch(agora: Agora, headers: Record<string, string>, query: string): Promise<number> {
  const start = performance.now();
  const created = await agora.app.inject({
    method: 'POST',
    url: '/messenger/v1/chats/search',
    headers,
    payload: { message: query },
  });
  const taskId = created.json<{ task_id: string }>().task_id;
  for (;;) {
    const res = await agora.app.inject({ url: `/messenger/v1/chats/search/status/${taskId}`, headers });
    const { status } = res.json<{ status: string }>();
    if (status === 'SUCCESS') return performance.now() - start;
    if (status === 'FAILED') throw new Error('search task failed');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Search over a large chat history: `prepare` bulk-inserts BENCH_SEARCH_MESSAGES messages (default 1M), then
 * times search tasks from creation to SUCCESS (printed to stderr). The load phase polls a task's status.
 */
export const scenario: Scenario = {
  name: 'messages-search',
  description: `search task over ${MESSAGES} messages (creation → SUCCESS, printed first); load: GET search status vs bare select`,
  config: { MESSENGER_RATE_LIMIT_ENABLED: 'false', JOBS_POLL_INTERVAL: '50ms' },
  prepare: async (agora) => {
    const { chatId, memberId, headers } = await messengerFixture(agora, 0);
    const t0 = performance.now();
    const words = `array[${WORDS.map((w) => `'${w}'`).join(',')}]`;
    await agora.ctx.database.exec(`insert into messenger.messages (chat_id, member_id, text, tsv)
      select '${chatId}', ${Number(memberId)}, t, to_tsvector('english', t) from (
        select 'message ' || g || ' about ' || (${words})[1 + g % 10] || ' and ' || (${words})[1 + (g / 10) % 10]
          || case when g % 1000 = 0 then ' running late' else '' end as t
        from generate_series(1, ${MESSAGES}) g) s`);
    await agora.ctx.database.exec('analyze messenger.messages');
    process.stderr.write(`inserted ${MESSAGES} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const stop = agora.startWorkers();
    for (const q of ['runs', 'alpha', 'alpha bravo', 'nonexistentword']) {
      const times = [];
      for (let i = 0; i < 3; i++) times.push(await timeSearch(agora, headers, q));
      process.stderr.write(`search "${q}": creation → SUCCESS ${times.map((t) => t.toFixed(0)).join(' / ')} ms\n`);
    }
    void stop;
    const created = await agora.app.inject({
      method: 'POST',
      url: '/messenger/v1/chats/search',
      headers,
      payload: { message: 'running' },
    });
    return { path: `/messenger/v1/chats/search/status/${created.json<{ task_id: string }>().task_id}`, headers };
  },
  baseline: async ({ database, request }) => {
    const app = bareFastify();
    app.get('/messenger/v1/chats/search/status/:id', async (req) => {
      const [row] = rowsOf<{ status: string }>(
        await database.db.execute(
          sql`select status from messenger.search_tasks where id = ${(req.params as { id: string }).id}`,
        ),
      );
      return { status: row?.status };
    });
    void request;
    return app;
  },
};
