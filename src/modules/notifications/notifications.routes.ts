import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { badRequest, forbidden } from '../../platform/errors.js';
import type { Actor, IdentityApi } from '../identity/index.js';
import { MANAGE_PERMISSION, userNotFound } from './notifications.errors.js';
import { historyOut, mailOut, notificationOut, preferencesOut, templateOut } from './notifications.views.js';
import * as S from './notifications.schemas.js';
import type { NotificationsService } from './notifications.service.js';

/** Authoring and reading others' deliveries: the `notifications.manage` permission (or a superuser). */
export const canManage = (a: Actor) => a.isSuperuser || a.permissions.includes(MANAGE_PERMISSION);

/** The instant of an ISO 8601 date-time; one without an offset is UTC. A day or hour that does not exist is a 400. */
function instant(text: string): Date {
  const [date = '', time = ''] = text.split(/[Tt ]/);
  const offset = /([Zz]|[+-]\d{2}(:?\d{2})?)$/.exec(time)?.[0];
  const clock = offset ? time.slice(0, -offset.length) : time;
  const zone = !offset ? 'Z' : /^[+-]\d{2}$/.test(offset) ? `${offset}:00` : offset;
  const at = new Date(`${date}T${clock}${zone}`);
  const [y = 0, m = 0, d = 0] = date.split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  const real = day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
  if (Number.isNaN(at.getTime()) || !real) throw badRequest('schedule.next_send: not a valid date and time');
  return at;
}

export function notificationRoutes(service: NotificationsService, identity: IdentityApi) {
  const manager = async (req: FastifyRequest) => {
    const actor = await identity.resolve(req);
    if (!canManage(actor)) throw forbidden(`The ${MANAGE_PERMISSION} permission is required`);
    return actor;
  };
  const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }, { sessionId: [] }];
  const schedule = (b: S.ScheduleIn) => ({
    channel: b.channel,
    nextSend: b.next_send ? instant(b.next_send) : null,
    cron: b.schedule ?? null,
  });

  return async function routes(root: FastifyInstance) {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const t = '/api/v1/templates';
    const n = '/api/v1/notifications';

    app.get(
      `${t}/`,
      {
        schema: {
          summary: 'Templates, oldest first',
          querystring: Type.Object({
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
          }),
          response: { 200: Type.Array(S.TemplateOut), ...S.errors },
          security,
        },
      },
      async (req) => {
        await manager(req);
        return (await service.listTemplates(req.query.limit, req.query.offset)).map(templateOut);
      },
    );
    app.post(
      `${t}/`,
      {
        schema: {
          summary: 'Create a Liquid template (a syntax error is a 400 with the parser’s message)',
          body: S.TemplateIn,
          response: { 201: S.TemplateOut, ...S.errors },
          security,
        },
      },
      async (req, reply) => {
        await manager(req);
        return reply.code(201).send(templateOut(await service.createTemplate(req.body)));
      },
    );
    app.get(
      `${t}/:id`,
      {
        schema: { summary: 'A template', params: S.IdParams, response: { 200: S.TemplateOut, ...S.errors }, security },
      },
      async (req) => {
        await manager(req);
        return templateOut(await service.getTemplate(req.params.id));
      },
    );
    app.put(
      `${t}/:id`,
      {
        schema: {
          summary: 'Change a template',
          params: S.IdParams,
          body: S.TemplatePatch,
          response: { 200: S.TemplateOut, ...S.errors },
          security,
        },
      },
      async (req) => {
        await manager(req);
        return templateOut(await service.updateTemplate(req.params.id, req.body));
      },
    );
    app.delete(
      `${t}/:id`,
      {
        schema: {
          summary: 'Delete a template (notifications made from it keep their copy)',
          params: S.IdParams,
          response: { 204: Type.Null(), ...S.errors },
          security,
        },
      },
      async (req, reply) => {
        await manager(req);
        await service.deleteTemplate(req.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      `${n}/notify`,
      {
        schema: {
          summary: 'Notify users now, at a time, or on a cron schedule (free-form subject and body)',
          body: S.NotifyIn,
          response: { 201: S.NotifyOut, ...S.errors },
          security,
        },
      },
      async (req, reply) => {
        const actor = await manager(req);
        const b = req.body;
        const { notification, firstSend } = await service.notify({
          subject: b.subject,
          body: b.body,
          ...schedule(b.schedule),
          distribution: b.distribution,
          urgent: b.urgent,
          createdBy: actor.userId,
        });
        return reply.code(201).send({ id: notification.id, next_send: firstSend.toISOString() });
      },
    );
    app.post(
      `${n}/notify/:template_id`,
      {
        schema: {
          summary: 'Notify from a template, rendered per recipient with its context',
          params: S.TemplateIdParams,
          body: S.NotifyTemplateIn,
          response: { 201: S.NotifyOut, ...S.errors },
          security,
        },
      },
      async (req, reply) => {
        const actor = await manager(req);
        const b = req.body;
        const { notification, firstSend } = await service.notifyFromTemplate(req.params.template_id, {
          ...schedule(b.schedule),
          distribution: b.distribution,
          context: b.context,
          urgent: b.urgent,
          createdBy: actor.userId,
        });
        return reply.code(201).send({ id: notification.id, next_send: firstSend.toISOString() });
      },
    );
    app.get(
      `${n}/notify/list/:user_id`,
      {
        schema: {
          summary: 'A user’s notifications, newest first (their own, or anyone’s for a manager)',
          params: S.UserIdParams,
          querystring: S.LimitQuery,
          response: { 200: Type.Array(S.HistoryItem), ...S.errors },
          security,
        },
      },
      async (req) => {
        const actor = await identity.resolve(req);
        // Someone else's history answers as if that user did not exist; a manager's unknown user is a 404 too.
        if (
          actor.userId !== req.params.user_id &&
          !(canManage(actor) && (await service.userExists(req.params.user_id)))
        )
          throw userNotFound();
        return (await service.history(req.params.user_id, req.query.limit)).map(historyOut);
      },
    );
    app.get(
      `${n}/preferences`,
      {
        schema: {
          summary: 'The caller’s delivery preferences',
          response: { 200: S.PreferencesOut, ...S.errors },
          security,
        },
      },
      async (req) => preferencesOut(await service.preferences((await identity.resolve(req)).userId)),
    );
    app.put(
      `${n}/preferences`,
      {
        schema: {
          summary: 'Set the caller’s time zone, quiet window (local HH:MM) and channels turned off',
          body: S.PreferencesIn,
          response: { 200: S.PreferencesOut, ...S.errors },
          security,
        },
      },
      async (req) => preferencesOut(await service.setPreferences((await identity.resolve(req)).userId, req.body)),
    );
    app.get(
      `${n}/mail`,
      {
        schema: {
          summary: 'Mail captured in embedded mode (no SMTP_URL), newest first',
          querystring: S.MailQuery,
          response: { 200: Type.Array(S.MailItem), ...S.errors },
          security,
        },
      },
      async (req) => {
        await manager(req);
        return (await service.capturedMail(req.query.limit, req.query.to)).map(mailOut);
      },
    );
    app.get(
      `${n}/:id`,
      {
        schema: {
          summary: 'A notification with its state and delivery counts',
          params: S.IdParams,
          response: { 200: S.NotificationOut, ...S.errors },
          security,
        },
      },
      async (req) => {
        await manager(req);
        const s = await service.state(req.params.id);
        return notificationOut(s.notification, s.occurrences, s.deliveries);
      },
    );
    app.get(
      `${n}/:id/deliveries`,
      {
        schema: {
          summary: 'Delivery history of a notification (status, attempts, last error), newest first',
          params: S.IdParams,
          querystring: S.DeliveriesQuery,
          response: { 200: Type.Array(S.HistoryItem), ...S.errors },
          security,
        },
      },
      async (req) => {
        await manager(req);
        return (await service.deliveries(req.params.id, req.query.status, req.query.limit)).map(historyOut);
      },
    );
    app.delete(
      `${n}/:id`,
      {
        schema: {
          summary: 'Cancel the notification’s future sends',
          params: S.IdParams,
          response: { 204: Type.Null(), ...S.errors },
          security,
        },
      },
      async (req, reply) => {
        await manager(req);
        await service.cancel(req.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
