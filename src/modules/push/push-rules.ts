/**
 * Who is notified, and when not (docs/push.md):
 * - level `none`: never; `mentions`: mentions and direct messages only; `all` (default): everything;
 * - a muted conversation notifies only on a mention (whatever the level);
 * - quiet hours (a user's local time in their time zone): nothing is sent, the push is dropped —
 *   the badge and the conversation list are right when the app is next opened.
 */
import type { PushLevel } from './push.dto';

export function wantsPush(level: string | undefined, e: { direct: boolean; mention: boolean; muted: boolean }): boolean {
  const l = (level ?? 'all') as PushLevel;
  if (l === 'none') return false;
  if (e.muted) return e.mention;
  if (l === 'mentions') return e.mention || e.direct;
  return true;
}

/** Minutes after local midnight in `timeZone` at `now`. */
export function localMinutes(now: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(now));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/** Inside [start, end) local time; a range may cross midnight (22:00–07:00). */
export function inQuietHours(now: number, q: { start: number | null; end: number | null; timeZone: string | null }): boolean {
  if (q.start === null || q.end === null || q.timeZone === null || q.start === q.end) return false;
  const m = localMinutes(now, q.timeZone);
  return q.start < q.end ? m >= q.start && m < q.end : m >= q.start || m < q.end;
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
