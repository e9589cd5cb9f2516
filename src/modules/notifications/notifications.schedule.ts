import { CronExpressionParser } from 'cron-parser';
import { badRequest } from '../../platform/errors.js';

/** How many upcoming ticks are checked against the minimum interval (catches `0,1 * * * *` style bursts). */
const PROBE_TICKS = 50;

/** The first tick of a 5-field cron expression strictly after `from` (UTC). */
export function nextTick(cron: string, from: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: from, tz: 'UTC' }).next().toDate();
}

/**
 * Validates a recurring schedule: exactly five fields, a parsable expression, and no two upcoming ticks closer
 * than `minIntervalSeconds`. Returns the first tick at or after `from`.
 */
export function checkCron(cron: string, from: Date, minIntervalSeconds: number): Date {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw badRequest(`schedule: a cron expression has 5 fields, got ${fields.length}`);
  let it;
  try {
    it = CronExpressionParser.parse(fields.join(' '), { currentDate: new Date(from.getTime() - 1), tz: 'UTC' });
  } catch (err) {
    throw badRequest(`schedule: ${(err as Error).message}`);
  }
  const first = it.next().toDate();
  let prev = first;
  for (let i = 0; i < PROBE_TICKS && it.hasNext(); i++) {
    const next = it.next().toDate();
    if ((next.getTime() - prev.getTime()) / 1000 < minIntervalSeconds)
      throw badRequest(
        `schedule: runs more often than every ${minIntervalSeconds} seconds (${prev.toISOString()} then ${next.toISOString()})`,
      );
    prev = next;
  }
  return first;
}

/** Minutes since local midnight of `at` in `timeZone`. */
function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(at)
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  return Number(parts.hour) * 60 + Number(parts.minute);
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

export const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface QuietWindow {
  timeZone: string;
  start: string | null;
  end: string | null;
}

/**
 * When a non-urgent send due at `at` may go out: `at` itself outside the window, otherwise the window's end
 * (the next local `end` in the user's time zone, across DST changes). A window may wrap midnight (22:00–07:00).
 */
export function quietUntil(at: Date, w: QuietWindow): Date | null {
  if (!w.start || !w.end || w.start === w.end) return null;
  const now = localMinutes(at, w.timeZone);
  const start = minutesOf(w.start);
  const end = minutesOf(w.end);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  const [h, m] = w.end.split(':').map(Number);
  return CronExpressionParser.parse(`${m} ${h} * * *`, { currentDate: at, tz: w.timeZone }).next().toDate();
}
