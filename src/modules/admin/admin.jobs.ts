import type { AdminSection } from '../../platform/admin/resource.js';
import type { PlatformContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { jobsManagement, type JobRow } from '../../platform/jobs/manage.js';
import { outboxDepth } from '../../platform/jobs/outbox.js';
import { jobs } from '../../platform/platform.tables.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = ['pending', 'running', 'done', 'dead'].map((s) => ({ value: s, label: s }));

/** The embedded job queue: queued, running, done and dead jobs, with retry (dead ones) and discard. */
export function jobsSection(ctx: PlatformContext): AdminSection {
  const manage = jobsManagement(ctx.database.db, () => ctx.clock.now());
  const conflict = (message: string) => new AppError('CONFLICT', 409, message);
  return {
    module: 'jobs',
    label: 'Jobs',
    resources: [
      {
        name: 'jobs',
        label: 'Jobs',
        source: { table: jobs, id: jobs.id },
        columns: [
          { key: 'name', label: 'Job' },
          { key: 'status', label: 'Status' },
          { key: 'attempts', label: 'Attempts', value: (j: JobRow) => `${j.attempts}/${j.maxAttempts}` },
          { key: 'runAt', label: 'Runs at' },
          { key: 'lastError', label: 'Last error' },
        ],
        search: [jobs.name, jobs.id],
        searchHint: 'job name or id',
        filters: [{ name: 'status', label: 'Status', column: jobs.status, options: STATUSES }],
        fields: [
          { name: 'id', readOnly: true },
          { name: 'name', readOnly: true },
          { name: 'status', readOnly: true },
          { name: 'attempts', readOnly: true },
          { name: 'maxAttempts', readOnly: true },
          { name: 'runAt', label: 'Runs at', readOnly: true },
          { name: 'lockedBy', readOnly: true },
          { name: 'lastError', readOnly: true },
          { name: 'payload', readOnly: true, type: 'json' },
          { name: 'createdAt', readOnly: true },
          { name: 'finishedAt', readOnly: true },
        ],
        title: (j: JobRow) => `${j.name} (${j.status})`,
        get: async (id) => (UUID.test(id) ? manage.jobById(id) : undefined),
        actions: [
          {
            name: 'retry',
            label: 'Retry',
            when: (j) => j.status === 'dead',
            async run(id) {
              if (!(await manage.retry(id))) throw conflict('Only a dead job can be retried.');
              ctx.jobs.wake();
              return 'The job is queued again.';
            },
          },
          {
            name: 'discard',
            label: 'Discard',
            danger: true,
            confirm: 'Discard this job? It will not run again.',
            when: (j) => j.status !== 'running',
            async run(id) {
              if (!(await manage.discard(id))) throw conflict('A running job cannot be discarded.');
              return 'The job was discarded.';
            },
          },
        ],
      },
    ],
  };
}

/** Jobs waiting (outbox and transport) and dead, for the dashboard. */
export async function jobFigures(ctx: PlatformContext) {
  return {
    waiting: (await outboxDepth(ctx.database.db)) + (await ctx.jobs.transport.depth()),
    dead: await ctx.jobs.transport.dead(),
  };
}
