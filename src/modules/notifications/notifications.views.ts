import type { DeliveryRow, MailRow, NotificationRow, PreferencesRow, TemplateRow } from './notifications.repository.js';
import type { DELIVERY_STATUSES } from './notifications.schemas.js';

/** The JSON shapes of the notifications API (snake_case, ISO times), from rows. */
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const templateOut = (t: TemplateRow) => ({
  id: t.id,
  subject: t.subject,
  body: t.body,
  created_at: t.createdAt.toISOString(),
  updated_at: t.updatedAt.toISOString(),
});

export const historyOut = (r: DeliveryRow) => ({
  id: r.id,
  notification_id: r.notificationId,
  user: r.userId,
  channel: r.channel,
  subject: r.subject,
  body: r.body,
  sent_at: iso(r.sentAt),
  status: r.status,
  attempts: r.attempts,
  last_error: r.lastError,
  deliver_after: r.deliverAfter.toISOString(),
  created_at: r.createdAt.toISOString(),
});

type Counts = Record<(typeof DELIVERY_STATUSES)[number] | 'total', number>;
export const notificationOut = (n: NotificationRow, occurrences: number, deliveries: Counts) => ({
  id: n.id,
  template_id: n.templateId,
  subject: n.subject,
  body: n.body,
  context: n.context,
  schedule: { channel: n.channel, next_send: iso(n.nextSend), schedule: n.cron },
  distribution: n.distribution,
  urgent: n.urgent,
  status: n.status,
  occurrences,
  deliveries,
  created_at: n.createdAt.toISOString(),
});

export const preferencesOut = (p: Pick<PreferencesRow, 'timeZone' | 'quietStart' | 'quietEnd' | 'channelsOff'>) => ({
  time_zone: p.timeZone,
  quiet_start: p.quietStart,
  quiet_end: p.quietEnd,
  channels_off: p.channelsOff,
});

export const mailOut = (m: MailRow) => ({
  id: m.id,
  delivery_id: m.deliveryId,
  to: m.to,
  subject: m.subject,
  html: m.html,
  text: m.text,
  created_at: m.createdAt.toISOString(),
});
