import type { Agora } from '../../src/app.js';
import { unique } from '../helpers/app.js';
import { bearer, registerAndLogin, type TestUser } from '../helpers/identity.js';

export const N = '/notifications/api/v1';

/** A user holding the notifications.manage permission through a role (not a superuser). */
export async function manager(agora: Agora): Promise<TestUser> {
  const user = await registerAndLogin(agora);
  const role = await agora.identity.service.ensureRole({
    name: 'notification-managers',
    permissions: ['notifications.manage'],
  });
  await agora.identity.service.assignRole(role.id, [user.id]);
  return user;
}

export async function call(
  agora: Agora,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  user?: TestUser,
  payload?: unknown,
) {
  const res = await agora.app.inject({
    method,
    url: `${N}${url}`,
    headers: user ? bearer(user.access) : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: res.statusCode, body: res.body ? (res.json() as any) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Registers `n` users (through identity's service: quicker than HTTP for many). */
export async function users(agora: Agora, n: number, prefix = 'rcp') {
  const out: { id: string; username: string; email: string }[] = [];
  for (let i = 0; i < n; i++) {
    const username = unique(prefix);
    const u = await agora.identity.service.register({
      username,
      password: 'correct horse battery',
      email: `${username}@example.test`,
      firstName: `First${i}`,
    });
    out.push({ id: u.id, username, email: `${username}@example.test` });
  }
  return out;
}

export const now = { channel: 'email' as const, next_send: null, schedule: null };

/** Runs the notification scheduler once in this process (the worker runs it every second). */
export async function dispatch(agora: Agora) {
  const task = agora.modules.flatMap((m) => m.tasks ?? []).find((t) => t.name === 'notifications.dispatch');
  return task!.run() as Promise<{ occurrences: number; recipients: number }>;
}

/** Accounts written straight into identity's table: a fan-out fixture of thousands without hashing passwords. */
export async function bulkUsers(agora: Agora, n: number, prefix = unique('bulk')) {
  const { sql } = await import('drizzle-orm');
  const ids: string[] = [];
  for (let from = 0; from < n; from += 1000) {
    const res = await agora.ctx.database.db.execute(sql`
      insert into identity.users (id, username, email, first_name)
      select gen_random_uuid(), ${prefix} || '_' || g, ${prefix} || '_' || g || '@example.test', 'Bulk' || g
      from generate_series(${from}::int, ${Math.min(n, from + 1000) - 1}::int) g returning id`);
    ids.push(...(res as unknown as { rows: { id: string }[] }).rows.map((r) => r.id));
  }
  return ids;
}

/** The job transport of these tests: RabbitMQ (a queue of their own) when TEST_AMQP_URL is set. */
export const transport = (): Record<string, string> =>
  process.env.TEST_AMQP_URL
    ? { AMQP_URL: process.env.TEST_AMQP_URL, JOBS_QUEUE: `agora.test.notifications.${unique('q')}` }
    : {};
