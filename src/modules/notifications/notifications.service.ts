import type { Config } from '../../config.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { badRequest } from '../../platform/errors.js';
import type { Audience, IdentityApi } from '../identity/index.js';
import { notificationNotFound, templateNotFound } from './notifications.errors.js';
import { notificationsRepository as repo, type NotificationRow } from './notifications.repository.js';
import { checkTemplate } from './notifications.render.js';
import { checkCron, validTimeZone } from './notifications.schedule.js';
import { DELIVERY_STATUSES, type Channel, type PreferencesBody } from './notifications.schemas.js';

export interface NotificationsDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'NOTIFICATIONS_MIN_INTERVAL'>;
  identity: Pick<IdentityApi, 'directory'>;
  /** Tells an in-process scheduler that something may be due now. */
  kick(): void;
}

/** What a notification is made of, whoever asks for it (the API or another module through index.ts). */
export interface NotifyRequest {
  subject: string;
  body: string;
  channel: Channel;
  /** Once at this time; with `cron`, the first tick at or after it. Neither: now. */
  nextSend?: Date | null;
  cron?: string | null;
  distribution: Audience;
  context?: Record<string, unknown>;
  templateId?: string | null;
  urgent?: boolean;
  createdBy?: string | null;
}

export function createNotificationsService(d: NotificationsDeps) {
  const { db, clock } = d;

  async function checkAudience(db: Db, a: Audience) {
    if (!a.all && !a.users?.length && !a.roles?.length)
      throw badRequest('distribution: name users, roles, or all: true');
    const users = await d.identity.directory.unknownUsers(db, a.users ?? []);
    if (users.length) throw badRequest(`distribution: unknown users: ${users.join(', ')}`);
    const roles = await d.identity.directory.unknownRoles(db, a.roles ?? []);
    if (roles.length) throw badRequest(`distribution: unknown roles: ${roles.join(', ')}`);
  }

  const service = {
    listTemplates: (limit: number, offset: number) => repo.listTemplates(db, limit, offset),
    async getTemplate(id: string) {
      const t = await repo.templateById(db, id);
      if (!t) throw templateNotFound();
      return t;
    },
    async createTemplate(input: { subject: string; body: string }) {
      checkTemplate('subject', input.subject);
      checkTemplate('body', input.body);
      const now = clock.now();
      return repo.insertTemplate(db, { id: clock.uuid(), ...input, createdAt: now, updatedAt: now });
    },
    async updateTemplate(id: string, patch: { subject?: string; body?: string }) {
      if (patch.subject !== undefined) checkTemplate('subject', patch.subject);
      if (patch.body !== undefined) checkTemplate('body', patch.body);
      const row = await repo.updateTemplate(db, id, { ...patch, updatedAt: clock.now() });
      if (!row) throw templateNotFound();
      return row;
    },
    async deleteTemplate(id: string) {
      if (!(await repo.deleteTemplate(db, id))) throw templateNotFound();
    },

    /**
     * Writes a notification and its first occurrence in one transaction (of `executor`'s, when a producer passes
     * its own); the scheduler sends it when due. Returns the notification and when it is first sent.
     */
    async notify(req: NotifyRequest, executor: Db = db): Promise<{ notification: NotificationRow; firstSend: Date }> {
      checkTemplate('subject', req.subject, req.context);
      checkTemplate('body', req.body, req.context);
      await checkAudience(executor, req.distribution);
      const now = clock.now();
      const at = req.nextSend && req.nextSend > now ? req.nextSend : now;
      const firstSend = req.cron ? checkCron(req.cron, at, d.config.NOTIFICATIONS_MIN_INTERVAL) : at;
      const notification = await executor.transaction(async (tx) => {
        const row = await repo.insertNotification(tx, {
          id: clock.uuid(),
          templateId: req.templateId ?? null,
          subject: req.subject,
          body: req.body,
          context: req.context ?? {},
          channel: req.channel,
          cron: req.cron ? req.cron.trim().split(/\s+/).join(' ') : null,
          nextSend: firstSend,
          distribution: req.distribution,
          urgent: req.urgent ?? false,
          createdBy: req.createdBy ?? null,
          createdAt: now,
        });
        await repo.insertOccurrence(tx, { id: clock.uuid(), notificationId: row.id, dueAt: firstSend });
        return row;
      });
      if (firstSend <= now) d.kick();
      return { notification, firstSend };
    },

    async notifyFromTemplate(templateId: string, req: Omit<NotifyRequest, 'subject' | 'body' | 'templateId'>) {
      const t = await repo.templateById(db, templateId);
      if (!t) throw templateNotFound();
      return service.notify({ ...req, subject: t.subject, body: t.body, templateId });
    },

    /** A notification with the number of sends dispatched and its deliveries by status. */
    async state(id: string) {
      const n = await repo.notificationById(db, id);
      if (!n) throw notificationNotFound();
      const [occurrences, counts] = await Promise.all([repo.dispatchedCount(db, id), repo.deliveryCounts(db, id)]);
      const deliveries = Object.fromEntries([...DELIVERY_STATUSES, 'total'].map((s) => [s, 0])) as Record<
        (typeof DELIVERY_STATUSES)[number] | 'total',
        number
      >;
      for (const c of counts) {
        const status = c.status as (typeof DELIVERY_STATUSES)[number];
        deliveries[status] = (deliveries[status] ?? 0) + c.n;
        deliveries.total += c.n;
      }
      return { notification: n, occurrences, deliveries };
    },

    async cancel(id: string) {
      const n = await repo.notificationById(db, id);
      if (!n) throw notificationNotFound();
      await db.transaction((tx) => repo.cancel(tx, id));
    },

    history: (userId: string, limit: number) => repo.historyOf(db, userId, limit),
    userExists: async (userId: string) => !(await d.identity.directory.unknownUsers(db, [userId])).length,
    async deliveries(id: string, status: string | undefined, limit: number) {
      if (!(await repo.notificationById(db, id))) throw notificationNotFound();
      return repo.deliveriesOf(db, id, status, limit);
    },
    capturedMail: (limit: number, to?: string) => repo.listMail(db, limit, to),

    async preferences(userId: string) {
      return (
        (await repo.preferencesById(db, userId)) ?? {
          userId,
          timeZone: 'UTC',
          quietStart: null,
          quietEnd: null,
          channelsOff: [] as string[],
          updatedAt: clock.now(),
        }
      );
    },
    async setPreferences(userId: string, patch: PreferencesBody) {
      if (patch.time_zone !== undefined && !validTimeZone(patch.time_zone))
        throw badRequest(`time_zone: unknown time zone ${patch.time_zone}`);
      const current = await service.preferences(userId);
      const next = {
        userId,
        timeZone: patch.time_zone ?? current.timeZone,
        quietStart: patch.quiet_start === undefined ? current.quietStart : patch.quiet_start,
        quietEnd: patch.quiet_end === undefined ? current.quietEnd : patch.quiet_end,
        channelsOff: patch.channels_off ?? current.channelsOff,
        updatedAt: clock.now(),
      };
      if ((next.quietStart === null) !== (next.quietEnd === null))
        throw badRequest('quiet_start and quiet_end are set together');
      return repo.upsertPreferences(db, next);
    },
  };
  return service;
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
