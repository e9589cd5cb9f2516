import { defineAdmin, invalidFields, readOnlyFields, type AdminResource } from '../../platform/admin/resource.js';
import { AppError } from '../../platform/errors.js';
import type { Db } from '../../platform/db/database.js';
import type { IdentityApi } from '../identity/index.js';
import type { Dispatcher } from './notifications.dispatch.js';
import { notificationsRepository as repo, type NotificationRow } from './notifications.repository.js';
import { CHANNELS, DELIVERY_STATUSES, type Channel } from './notifications.schemas.js';
import type { NotificationsService } from './notifications.service.js';
import { capturedMail, deliveries, notifications, templates } from './notifications.tables.js';

type Row = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const choices = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));
const CHANNEL_CHOICES = choices(CHANNELS);
const INLINE_LIMIT = 20;

/**
 * The service refuses with "<part>: <reason>" (a template's syntax, a schedule, an audience): shown beside the
 * form field that holds that part.
 */
function besideField(err: unknown): never {
  if (err instanceof AppError && err.status === 400) {
    const [, part, reason] = /^(\w+): ([\s\S]*)$/.exec(err.message) ?? [];
    const field =
      part === 'schedule'
        ? 'cron'
        : part === 'distribution'
          ? /unknown roles/.test(reason ?? '')
            ? 'roles'
            : 'users'
          : part;
    if (field === 'subject' || field === 'body' || field === 'cron' || field === 'users' || field === 'roles')
      throw invalidFields({ [field]: reason! });
  }
  throw err;
}

const byId =
  <T>(load: (id: string) => Promise<T | undefined>) =>
  async (id: string) =>
    UUID.test(id) ? load(id) : undefined;

/** Adds the username of each row's user (one query for the page). */
const withUsers =
  (identity: IdentityApi, key: string) =>
  async (rows: Row[]): Promise<Row[]> => {
    const ids = rows.flatMap((r) => (r[key] ? [String(r[key])] : []));
    const names = await identity.usernames(ids);
    return rows.map((r) => ({ ...r, username: r[key] ? (names.get(String(r[key])) ?? r[key]) : null }));
  };

/** What the admin panel shows of notifications: templates, notifications, delivery history and captured mail. */
export function notificationsAdmin(d: {
  db: Db;
  service: NotificationsService;
  dispatcher: Pick<Dispatcher, 'redeliver'>;
  identity: IdentityApi;
}) {
  const { db, service, dispatcher, identity } = d;

  const templateResource: AdminResource = {
    name: 'templates',
    label: 'Templates',
    source: { table: templates, id: templates.id },
    columns: [
      { key: 'subject', label: 'Subject' },
      { key: 'createdAt', label: 'Created' },
      { key: 'updatedAt', label: 'Updated' },
    ],
    search: [templates.subject, templates.id],
    searchHint: 'subject or template id',
    ordering: [{ key: 'created', label: 'Newest first', column: templates.createdAt, desc: true }],
    fields: [
      { name: 'subject', required: true, maxLength: 1000, help: 'Liquid, e.g. Hello {{ username }}' },
      { name: 'body', type: 'textarea', required: true, maxLength: 100_000, help: 'Liquid; HTML is escaped' },
      { name: 'createdAt', label: 'Created', readOnly: true },
      { name: 'updatedAt', label: 'Updated', readOnly: true },
    ],
    title: (t: Row) => String(t.subject),
    get: byId((id) => repo.templateById(db, id)),
    create: (v) => service.createTemplate({ subject: String(v.subject), body: String(v.body) }).catch(besideField),
    update: (id, v) =>
      service.updateTemplate(id, { subject: String(v.subject), body: String(v.body) }).catch(besideField),
    delete: (id) => service.deleteTemplate(id),
  };

  /** A notification with its audience spread into the form's fields, and its delivery counts. */
  const notification = async (id: string) => {
    const state = await service.state(id).catch((err: unknown) => {
      if (err instanceof AppError && err.status === 404) return undefined;
      throw err;
    });
    if (!state) return undefined;
    const n: NotificationRow = state.notification;
    const [named] = await withUsers(identity, 'createdBy')([n]);
    return {
      ...named,
      users: n.distribution.users ?? [],
      roles: n.distribution.roles ?? [],
      all: Boolean(n.distribution.all),
      dispatched: state.occurrences,
      deliveries: state.deliveries,
    };
  };

  const notificationResource: AdminResource = {
    name: 'notifications',
    label: 'Notifications',
    source: { table: notifications, id: notifications.id },
    columns: [
      { key: 'subject', label: 'Subject' },
      { key: 'channel', label: 'Channel' },
      { key: 'status', label: 'Status' },
      { key: 'cron', label: 'Schedule' },
      { key: 'nextSend', label: 'Next send' },
      { key: 'username', label: 'Created by' },
      { key: 'createdAt', label: 'Created' },
    ],
    search: [notifications.subject, notifications.id, notifications.templateId],
    searchHint: 'subject, notification id or template id',
    filters: [
      {
        name: 'status',
        label: 'Status',
        column: notifications.status,
        options: choices(['active', 'completed', 'cancelled']),
      },
      { name: 'channel', label: 'Channel', column: notifications.channel, options: CHANNEL_CHOICES },
    ],
    ordering: [{ key: 'created', label: 'Newest first', column: notifications.createdAt, desc: true }],
    decorate: withUsers(identity, 'createdBy'),
    fields: [
      { name: 'subject', required: true, maxLength: 1000 },
      { name: 'body', type: 'textarea', required: true, maxLength: 100_000 },
      { name: 'channel', type: 'select', options: CHANNEL_CHOICES, required: true },
      { name: 'nextSend', label: 'Send at', type: 'datetime', help: 'UTC; empty for now' },
      { name: 'cron', label: 'Schedule', maxLength: 200, help: '5-field cron expression (UTC) for a recurring send' },
      { name: 'users', type: 'list', help: 'Recipients’ user ids, one per line', createOnly: true },
      { name: 'roles', type: 'list', help: 'Role names, one per line', createOnly: true },
      { name: 'all', label: 'Every active account', type: 'boolean', createOnly: true },
      { name: 'urgent', label: 'Urgent (ignores quiet hours)', type: 'boolean' },
      { name: 'context', type: 'json', help: 'Template variables as a JSON object; empty for none' },
      ...readOnlyFields('status', 'templateId', 'username', 'createdAt', 'dispatched', 'deliveries'),
    ],
    title: (n: Row) => String(n.subject),
    get: byId(notification),
    async create(v, actor) {
      const users = (v.users as string[]) ?? [];
      const bad = users.find((u) => !UUID.test(u));
      if (bad) throw invalidFields({ users: `Not a user id: ${bad}` });
      const context = v.context === '' || v.context === null ? {} : v.context;
      if (!context || typeof context !== 'object' || Array.isArray(context))
        throw invalidFields({ context: 'Enter a JSON object.' });
      const { notification: made } = await service
        .notify({
          subject: String(v.subject),
          body: String(v.body),
          channel: v.channel as Channel,
          nextSend: (v.nextSend as Date | null) ?? null,
          cron: (v.cron as string) || null,
          distribution: { users, roles: (v.roles as string[]) ?? [], all: Boolean(v.all) },
          context: context as Record<string, unknown>,
          urgent: Boolean(v.urgent),
          createdBy: actor.userId,
        })
        .catch(besideField);
      return (await notification(made.id))!;
    },
    actions: [
      {
        name: 'cancel',
        label: 'Cancel',
        danger: true,
        confirm: 'Cancel this notification? Its pending sends are dropped; deliveries already queued still go out.',
        when: (n) => n.status === 'active',
        async run(id) {
          await service.cancel(id);
          return 'The notification was cancelled.';
        },
      },
    ],
    inlines: [
      {
        label: 'Latest deliveries',
        columns: [
          { key: 'userId', label: 'User id' },
          { key: 'channel', label: 'Channel' },
          { key: 'status', label: 'Status' },
          { key: 'sentAt', label: 'Sent' },
        ],
        link: { resource: 'deliveries', key: 'id' },
        load: (id) => service.deliveries(id, undefined, INLINE_LIMIT),
      },
    ],
  };

  const deliveryResource: AdminResource = {
    name: 'deliveries',
    label: 'Delivery history',
    source: { table: deliveries, id: deliveries.id },
    columns: [
      { key: 'username', label: 'User' },
      { key: 'channel', label: 'Channel' },
      { key: 'status', label: 'Status' },
      { key: 'attempts', label: 'Attempts' },
      { key: 'subject', label: 'Subject' },
      { key: 'sentAt', label: 'Sent' },
    ],
    // Equality on the user or the notification uses their indexes.
    search: [deliveries.userId, deliveries.notificationId, deliveries.id],
    searchHint: 'user id, notification id or delivery id',
    filters: [
      { name: 'status', label: 'Status', column: deliveries.status, options: choices(DELIVERY_STATUSES) },
      { name: 'channel', label: 'Channel', column: deliveries.channel, options: CHANNEL_CHOICES },
    ],
    decorate: withUsers(identity, 'userId'),
    fields: readOnlyFields(
      'notificationId',
      'username',
      'userId',
      'channel',
      'status',
      'attempts',
      'lastError',
      'subject',
      'body',
      'deliverAfter',
      'sentAt',
      'createdAt',
      'updatedAt',
    ),
    title: (r: Row) => `${String(r.channel)} to ${String(r.username)}: ${String(r.subject) || '(not rendered yet)'}`,
    get: byId(async (id) => {
      const row = await repo.deliveryById(db, id);
      return row && (await withUsers(identity, 'userId')([row]))[0];
    }),
    actions: [
      {
        name: 'redeliver',
        label: 'Send again',
        confirm: 'Send this message again? It goes out as rendered at dispatch, as a new attempt.',
        // A delivery whose template failed to render has nothing to send.
        when: (r) => r.status === 'dead' && Boolean(r.subject || r.body),
        async run(id) {
          const outcome = await dispatcher.redeliver(id);
          if (outcome === 'not-found') throw new AppError('NOT_FOUND', 404, 'No such delivery.');
          if (outcome === 'not-dead') throw new AppError('CONFLICT', 409, 'Only a dead delivery can be sent again.');
          if (outcome === 'not-rendered')
            throw new AppError('CONFLICT', 409, 'Its template did not render: fix it and send anew.');
          return 'The delivery is queued again.';
        },
      },
    ],
  };

  const mailResource: AdminResource = {
    name: 'mail',
    label: 'Captured mail',
    source: { table: capturedMail, id: capturedMail.id },
    columns: [
      { key: 'to', label: 'To' },
      { key: 'subject', label: 'Subject' },
      { key: 'createdAt', label: 'Captured' },
    ],
    search: [capturedMail.to, capturedMail.subject, capturedMail.deliveryId],
    searchHint: 'recipient, subject or delivery id',
    ordering: [{ key: 'created', label: 'Newest first', column: capturedMail.createdAt, desc: true }],
    fields: [
      ...readOnlyFields('to', 'subject', 'deliveryId', 'createdAt'),
      { name: 'text', label: 'Text part', type: 'textarea', readOnly: true },
      { name: 'html', label: 'HTML part (source)', type: 'textarea', readOnly: true },
    ],
    title: (m: Row) => `${String(m.subject)} → ${String(m.to)}`,
    get: byId((id) => repo.mailById(db, id)),
  };

  return defineAdmin({
    module: 'notifications',
    label: 'Notifications',
    resources: [templateResource, notificationResource, deliveryResource, mailResource],
  });
}
