import { Type, type Static } from 'typebox';
import { HHMM } from './notifications.schedule.js';

export const CHANNELS = ['email', 'websocket'] as const;
export type Channel = (typeof CHANNELS)[number];
export const DELIVERY_STATUSES = ['queued', 'deferred', 'sent', 'failed', 'dead', 'skipped'] as const;

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
/** An instant as Pydantic reads one: ISO 8601, `T` or a space, seconds optional; no offset means UTC. */
const DateTimeIn = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?([Zz]|[+-]\\d{2}(:?\\d{2})?)?$',
  description: 'ISO 8601 date and time; without an offset it is read as UTC',
});
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });

export const IdParams = Type.Object({ id: Uuid });
export const TemplateIdParams = Type.Object({ template_id: Uuid });
export const UserIdParams = Type.Object({ user_id: Uuid });

export const TemplateIn = Type.Object({ subject: Text(1000), body: Text(100_000) }, { additionalProperties: false });
export const TemplatePatch = Type.Object(
  { subject: Type.Optional(Text(1000)), body: Type.Optional(Text(100_000)) },
  { additionalProperties: false },
);
export const TemplateOut = Type.Object({
  id: Uuid,
  subject: Type.String(),
  body: Type.String(),
  created_at: DateTime,
  updated_at: DateTime,
});

export const Schedule = Type.Object(
  {
    channel: Type.Union(
      CHANNELS.map((c) => Type.Literal(c)),
      { description: 'email or websocket (any other channel is refused)' },
    ),
    next_send: Type.Optional(Type.Union([DateTimeIn, Type.Null()], { description: 'send once at this time' })),
    schedule: Type.Optional(
      Type.Union([Type.String({ minLength: 9, maxLength: 200 }), Type.Null()], {
        description: '5-field cron expression (UTC) for a recurring send',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Distribution = Type.Object(
  {
    users: Type.Optional(Type.Array(Uuid, { maxItems: 10_000, uniqueItems: true })),
    roles: Type.Optional(Type.Array(Text(150), { maxItems: 100, uniqueItems: true })),
    all: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const NotifyCommon = {
  schedule: Schedule,
  distribution: Distribution,
  urgent: Type.Optional(Type.Boolean({ description: 'sent even inside a recipient’s quiet window' })),
};
export const NotifyIn = Type.Object(
  { subject: Text(1000), body: Text(100_000), ...NotifyCommon },
  { additionalProperties: false },
);
export const NotifyTemplateIn = Type.Object(
  { ...NotifyCommon, context: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { additionalProperties: false },
);
export const NotifyOut = Type.Object({ id: Uuid, next_send: Type.Union([DateTime, Type.Null()]) });

const Counts = Type.Object(
  Object.fromEntries([...DELIVERY_STATUSES, 'total'].map((s) => [s, Type.Integer()])) as Record<
    (typeof DELIVERY_STATUSES)[number] | 'total',
    ReturnType<typeof Type.Integer>
  >,
);
export const NotificationOut = Type.Object({
  id: Uuid,
  template_id: Type.Union([Uuid, Type.Null()]),
  subject: Type.String(),
  body: Type.String(),
  context: Type.Record(Type.String(), Type.Unknown()),
  schedule: Type.Object({
    channel: Type.String(),
    next_send: Type.Union([DateTime, Type.Null()]),
    schedule: Type.Union([Type.String(), Type.Null()]),
  }),
  distribution: Distribution,
  urgent: Type.Boolean(),
  status: Type.String({ description: 'active, completed or cancelled' }),
  occurrences: Type.Integer({ description: 'sends dispatched so far' }),
  deliveries: Counts,
  created_at: DateTime,
});

export const LimitQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }) });
export const DeliveriesQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)))),
});

export const HistoryItem = Type.Object({
  id: Uuid,
  notification_id: Uuid,
  user: Uuid,
  channel: Type.String(),
  subject: Type.String(),
  body: Type.String(),
  sent_at: Type.Union([DateTime, Type.Null()]),
  status: Type.String(),
  attempts: Type.Integer(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  deliver_after: DateTime,
  created_at: DateTime,
});

export const PreferencesIn = Type.Object(
  {
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    quiet_start: Type.Optional(Type.Union([Type.String({ pattern: HHMM }), Type.Null()])),
    quiet_end: Type.Optional(Type.Union([Type.String({ pattern: HHMM }), Type.Null()])),
    channels_off: Type.Optional(Type.Array(Type.Union(CHANNELS.map((c) => Type.Literal(c))), { uniqueItems: true })),
  },
  { additionalProperties: false },
);
export const PreferencesOut = Type.Object({
  time_zone: Type.String(),
  quiet_start: Type.Union([Type.String(), Type.Null()]),
  quiet_end: Type.Union([Type.String(), Type.Null()]),
  channels_off: Type.Array(Type.String()),
});

export const MailItem = Type.Object({
  id: Uuid,
  delivery_id: Type.Union([Uuid, Type.Null()]),
  to: Type.String(),
  subject: Type.String(),
  html: Type.String(),
  text: Type.String(),
  created_at: DateTime,
});
export const MailQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
});

export const Detail = Type.Object({
  detail: Type.String(),
  errors: Type.Optional(Type.Array(Type.Unknown())),
});
export const errors = { 400: Detail, 401: Detail, 403: Detail, 404: Detail };

export type NotifyBody = Static<typeof NotifyIn>;
export type NotifyTemplateBody = Static<typeof NotifyTemplateIn>;
export type ScheduleIn = Static<typeof Schedule>;
export type DistributionIn = Static<typeof Distribution>;
export type PreferencesBody = Static<typeof PreferencesIn>;
