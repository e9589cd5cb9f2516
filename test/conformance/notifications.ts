import type { Actor, Fixtures, FixtureTable } from './fixtures.js';

const API = '/notifications/api/v1';

export async function template(f: Fixtures, who: Actor): Promise<string> {
  const body = { subject: 'Hi {{ username }}', body: '<p>{{ first_name }}</p>' };
  return (await f.call('POST', `${API}/templates/`, who, 'bearer', body)).id;
}
export async function notification(f: Fixtures, who: Actor): Promise<string> {
  const body = { subject: 's', body: 'b', schedule: { channel: 'email' }, distribution: { users: [who.id] } };
  return (await f.call('POST', `${API}/notifications/notify`, who, 'bearer', body)).id;
}

export const notificationsFixtures: FixtureTable = {
  'GET /notifications/api/v1/templates/{id}': { ok: async (f, me) => ({ params: { id: await template(f, me) } }) },
  'PUT /notifications/api/v1/templates/{id}': { ok: async (f, me) => ({ params: { id: await template(f, me) } }) },
  'DELETE /notifications/api/v1/templates/{id}': { ok: async (f, me) => ({ params: { id: await template(f, me) } }) },
  'POST /notifications/api/v1/notifications/notify': {
    ok: async (_f, me) => ({ body: { distribution: { users: [me.id] } } }),
  },
  'POST /notifications/api/v1/notifications/notify/{template_id}': {
    ok: async (f, me) => ({
      params: { template_id: await template(f, me) },
      body: { distribution: { users: [me.id] } },
    }),
  },
  'GET /notifications/api/v1/notifications/notify/list/{user_id}': {
    ok: async (_f, me) => ({ params: { user_id: me.id } }),
  },
  'GET /notifications/api/v1/notifications/{id}': {
    ok: async (f, me) => ({ params: { id: await notification(f, me) } }),
  },
  'GET /notifications/api/v1/notifications/{id}/deliveries': {
    ok: async (f, me) => ({ params: { id: await notification(f, me) } }),
  },
  'DELETE /notifications/api/v1/notifications/{id}': {
    ok: async (f, me) => ({ params: { id: await notification(f, me) } }),
  },
};
