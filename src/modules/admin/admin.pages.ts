import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listPage, type ListQuery } from '../../platform/admin/list.js';
import type { AdminResource } from '../../platform/admin/resource.js';
import { AppError, notFound } from '../../platform/errors.js';
import { changedFields } from './admin.audit.js';
import { callerOf, page, resourceOf, type AdminDeps } from './admin.context.js';
import { editable, fieldErrorsOf, parseForm, type FieldErrors, type FormBody } from './admin.forms.js';
import { formFields, idOf, inlinesOf, listView } from './admin.present.js';

type Params = { module: string; resource: string; id: string; action: string };
const HIDDEN = { schema: { hide: true } };
const PAGE_SIZE = 50;
const one = (v: unknown) => (Array.isArray(v) ? String(v[0] ?? '') : typeof v === 'string' ? v : '');

/** A resource's pages: list, add, view/edit, delete, actions and download. Writes go through the resource. */
export function pageRoutes(deps: AdminDeps) {
  const db = deps.ctx.database.db;

  const titleOf = (res: AdminResource, row: Record<string, unknown>) => (res.title ? res.title(row) : idOf(res, row));

  async function recordOr404(res: AdminResource, id: string) {
    const row = (await res.get(id)) as Record<string, unknown> | undefined;
    if (!row) throw notFound('That record does not exist (it may have been deleted).');
    return row;
  }

  /** The record's page: its form (with the posted values and errors after a refused save), actions, inlines. */
  async function recordPage(
    req: FastifyRequest,
    reply: FastifyReply,
    p: Params,
    state: {
      row?: Record<string, unknown>;
      creating?: boolean;
      posted?: FormBody;
      errors?: FieldErrors;
      formError?: string;
      /** A message shown above the record (instead of the next page's flash). */
      notice?: string;
    } = {},
  ) {
    const { res, url } = resourceOf(deps, req, p.module, p.resource);
    const creating = Boolean(state.creating);
    const row = creating ? undefined : (state.row ?? (await recordOr404(res, p.id)));
    const canSave = creating ? Boolean(res.create) : Boolean(res.update);
    const recordUrl = creating ? `${url}/add` : `${url}/${encodeURIComponent(p.id)}`;
    return page(
      deps,
      req,
      reply,
      'form',
      {
        title: creating ? `Add · ${res.label}` : `${titleOf(res, row!)} · ${res.label}`,
        heading: creating ? `Add to ${res.label}` : titleOf(res, row!),
        label: res.label,
        listHref: url,
        action: recordUrl,
        canSave,
        formError: state.formError,
        fields: formFields(res, row, { creating, canSave, posted: state.posted, errors: state.errors }),
        actions: creating
          ? []
          : (res.actions ?? [])
              .filter((a) => !a.when || a.when(row!))
              .map((a) => ({ label: a.label, danger: a.danger, href: `${recordUrl}/actions/${a.name}` })),
        deleteHref: !creating && res.delete ? `${recordUrl}/delete` : undefined,
        downloadHref: !creating && res.download ? `${recordUrl}/download` : undefined,
        inlines: creating ? [] : await inlinesOf(res, p.id, deps.base, p.module),
        ...(state.notice ? { flash: state.notice } : {}),
      },
      { module: p.module, resource: p.resource },
    );
  }

  /** A refused write: field errors beside their fields, anything else above the form; never a 5xx. */
  function refused(err: unknown, res: AdminResource, creating: boolean) {
    if (!(err instanceof AppError) || err.status >= 500 || err.status === 404 || err.status === 403) throw err;
    const errors = fieldErrorsOf(err, editable(res, creating));
    return {
      status: err.status === 400 ? 422 : err.status,
      errors,
      formError: errors ? 'Please correct the errors below.' : err.message,
    };
  }

  const audit = (
    req: FastifyRequest,
    p: Params,
    recordId: string,
    action: string,
    changes: ReturnType<typeof changedFields>,
  ) =>
    deps.audit.record({
      actor: callerOf(deps, req).actor,
      ip: req.ip,
      module: p.module,
      resource: p.resource,
      recordId,
      action,
      changes,
    });

  return async (app: FastifyInstance) => {
    app.get('/:module/:resource', HIDDEN, async (req, reply) => {
      const p = req.params as Params;
      const { res, url } = resourceOf(deps, req, p.module, p.resource);
      const q = req.query as Record<string, unknown>;
      const filters = Object.fromEntries(
        Object.entries(q)
          .filter(([k]) => k.startsWith('f_'))
          .map(([k, v]) => [k.slice(2), one(v)]),
      );
      const query: ListQuery = {
        q: one(q.q),
        filters,
        order: one(q.order) || undefined,
        after: one(q.after) || undefined,
        before: one(q.before) || undefined,
        size: PAGE_SIZE,
      };
      const found = await listPage(db, res, query);
      return page(
        deps,
        req,
        reply,
        'list',
        { title: res.label, addHref: res.create ? `${url}/add` : undefined, ...listView(res, url, query, found) },
        { module: p.module, resource: p.resource },
      );
    });

    app.get('/:module/:resource/add', HIDDEN, async (req, reply) => {
      const p = req.params as Params;
      if (!resourceOf(deps, req, p.module, p.resource).res.create) throw notFound();
      return recordPage(req, reply, p, { creating: true });
    });

    app.post('/:module/:resource/add', HIDDEN, async (req, reply) => {
      const p = req.params as Params;
      const { res, url } = resourceOf(deps, req, p.module, p.resource);
      if (!res.create) throw notFound();
      const posted = (req.body ?? {}) as FormBody;
      const { values, errors } = parseForm(editable(res, true), posted);
      if (Object.keys(errors).length)
        return recordPage(req, reply.code(422), p, {
          creating: true,
          posted,
          errors,
          formError: 'Please correct the errors below.',
        });
      let row: Record<string, unknown>;
      try {
        row = (await res.create(values, callerOf(deps, req).actor)) as Record<string, unknown>;
      } catch (err) {
        const r = refused(err, res, true);
        return recordPage(req, reply.code(r.status), p, { creating: true, posted, ...r });
      }
      const id = idOf(res, row);
      await audit(req, p, id, 'create', changedFields(res.fields, undefined, row));
      deps.sessions.flash(reply, `${res.label}: added ${titleOf(res, row)}.`);
      return reply.redirect(`${url}/${encodeURIComponent(id)}`, 303);
    });

    app.get('/:module/:resource/:id', HIDDEN, async (req, reply) => recordPage(req, reply, req.params as Params));

    app.post('/:module/:resource/:id', HIDDEN, async (req, reply) => {
      const p = req.params as Params;
      const { res, url } = resourceOf(deps, req, p.module, p.resource);
      if (!res.update) throw notFound();
      const before = await recordOr404(res, p.id);
      const posted = (req.body ?? {}) as FormBody;
      const { values, errors } = parseForm(editable(res, false), posted);
      if (Object.keys(errors).length)
        return recordPage(req, reply.code(422), p, {
          row: before,
          posted,
          errors,
          formError: 'Please correct the errors below.',
        });
      try {
        await res.update(p.id, values, callerOf(deps, req).actor);
      } catch (err) {
        const r = refused(err, res, false);
        return recordPage(req, reply.code(r.status), p, { row: before, posted, ...r });
      }
      const after = await recordOr404(res, p.id);
      const changes = changedFields(res.fields, before, after);
      if (Object.keys(changes).length) await audit(req, p, p.id, 'update', changes);
      deps.sessions.flash(reply, Object.keys(changes).length ? 'Saved.' : 'Nothing changed.');
      return reply.redirect(`${url}/${encodeURIComponent(p.id)}`, 303);
    });

    app.get('/:module/:resource/:id/delete', HIDDEN, async (req, reply) => {
      const p = req.params as Params;
      const { res, url } = resourceOf(deps, req, p.module, p.resource);
      if (!res.delete) throw notFound();
      const row = await recordOr404(res, p.id);
      const recordUrl = `${url}/${encodeURIComponent(p.id)}`;
      return page(
        deps,
        req,
        reply,
        'confirm',
        {
          title: `Delete · ${res.label}`,
          heading: `Delete ${titleOf(res, row)}?`,
          question: `This deletes the record from ${res.label}. It cannot be undone.`,
          verb: 'Yes, delete',
          action: `${recordUrl}/delete`,
          cancelHref: recordUrl,
        },
        { module: p.module, resource: p.resource },
      );
    });

    app.post('/:module/:resource/:id/delete', HIDDEN, async (req, reply) => {
      const p = req.params as Params;
      const { res, url } = resourceOf(deps, req, p.module, p.resource);
      if (!res.delete) throw notFound();
      const before = await recordOr404(res, p.id);
      try {
        await res.delete(p.id, callerOf(deps, req).actor);
      } catch (err) {
        const r = refused(err, res, false);
        return recordPage(req, reply.code(r.status), p, { row: before, formError: r.formError });
      }
      await audit(req, p, p.id, 'delete', changedFields(res.fields, before, undefined));
      deps.sessions.flash(reply, `${res.label}: deleted ${titleOf(res, before)}.`);
      return reply.redirect(url, 303);
    });

    app.post('/:module/:resource/:id/actions/:action', HIDDEN, async (req, reply) => {
      const p = req.params as Params;
      const { res, url } = resourceOf(deps, req, p.module, p.resource);
      const before = await recordOr404(res, p.id);
      const action = res.actions?.find((a) => a.name === p.action && (!a.when || a.when(before)));
      if (!action) throw notFound('That action does not apply to this record.');
      const recordUrl = `${url}/${encodeURIComponent(p.id)}`;
      if (action.confirm && one((req.body as FormBody | undefined)?.confirmed) !== 'yes') {
        return page(
          deps,
          req,
          reply,
          'confirm',
          {
            title: `${action.label} · ${res.label}`,
            heading: `${action.label}: ${titleOf(res, before)}`,
            question: action.confirm,
            verb: action.label,
            action: `${recordUrl}/actions/${action.name}`,
            cancelHref: recordUrl,
          },
          { module: p.module, resource: p.resource },
        );
      }
      let message: string | void;
      try {
        message = await action.run(p.id, callerOf(deps, req).actor);
      } catch (err) {
        const r = refused(err, res, false);
        return recordPage(req, reply.code(r.status), p, { row: before, formError: r.formError });
      }
      const after = (await res.get(p.id)) as Record<string, unknown> | undefined;
      await audit(req, p, p.id, action.name, changedFields(res.fields, before, after));
      if (action.secretMessage && message && after) {
        return recordPage(req, reply.header('cache-control', 'no-store'), p, { row: after, notice: message });
      }
      deps.sessions.flash(reply, message || `${action.label}: done.`);
      return reply.redirect(after ? recordUrl : url, 303);
    });

    app.get('/:module/:resource/:id/download', HIDDEN, async (req, reply) => {
      const p = req.params as Params;
      const { res } = resourceOf(deps, req, p.module, p.resource);
      if (!res.download) throw notFound();
      await recordOr404(res, p.id);
      const file = await res.download(p.id);
      const name = file.filename.replace(/["\\\r\n]/g, '_');
      void reply
        .type(file.contentType)
        .header(
          'content-disposition',
          `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
        )
        .header('x-content-type-options', 'nosniff')
        // A user's private file: no cache on the way or in the browser keeps a copy.
        .header('cache-control', 'private, no-store');
      if (file.size !== undefined) void reply.header('content-length', file.size);
      return reply.send(file.body);
    });
  };
}
