import type { FastifyBaseLogger } from 'fastify';
import type { ScheduledTask } from '../http/module.js';

/**
 * Runs periodic maintenance tasks in the worker. A task never overlaps itself; failures are logged and
 * retried on the next tick. Tasks are idempotent, so several workers may run them.
 */
export function startScheduler(tasks: ScheduledTask[], log: FastifyBaseLogger): () => Promise<void> {
  const running = new Map<string, Promise<unknown>>();
  const timers = tasks.map((task) => {
    const tick = () => {
      if (running.has(task.name)) return;
      const p = task
        .run()
        .then((result) => log.debug({ task: task.name, result }, 'scheduled task done'))
        .catch((err: unknown) => log.error({ task: task.name, err }, 'scheduled task failed'))
        .finally(() => running.delete(task.name));
      running.set(task.name, p);
    };
    const timer = setInterval(tick, Math.max(1, task.everySeconds) * 1000);
    timer.unref();
    return timer;
  });
  return async () => {
    timers.forEach(clearInterval);
    await Promise.allSettled(running.values());
  };
}
