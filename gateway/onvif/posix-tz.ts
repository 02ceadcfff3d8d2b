// POSIX TZ strings as ONVIF cameras give them in GetSystemDateAndTime
// (TimeZone/TZ): 'CST-8', 'EST5EDT,M3.2.0,M11.1.0', '<+0530>-5:30',
// 'CET-1CEST,M3.5.0,M10.5.0/3'. POSIX's sign is the inverse of the usual one:
// the offset is what is added to local time to get UTC, so CST-8 is UTC+8.
// Used only to move a camera's LocalDateTime onto UTC when it gives no UTCDateTime.

/** A DST transition day: Mm.w.d (weekday d of week w, 5 = last, of month m), Jn (1–365, Feb 29 never counted), n (0–365). */
export type TransitionDay = { kind: 'M'; month: number; week: number; weekday: number } | { kind: 'J'; day: number } | { kind: 'n'; day: number };

export interface Transition {
  day: TransitionDay;
  /** Local wall-clock seconds after midnight (default 02:00; POSIX allows -167 h … 167 h). */
  timeSec: number;
}

export interface PosixTz {
  std: string;
  /** Seconds added to standard local time to get UTC (POSIX sign: CST-8 → -28800). */
  stdOffsetSec: number;
  dst?: { name: string; offsetSec: number; rule?: { start: Transition; end: Transition } };
  /** 'GMT+08' and the like: POSIX reads UTC−8, many cameras mean UTC+8. */
  ambiguousSign: boolean;
}

const NAME = String.raw`(?:<[A-Za-z0-9+-]{1,16}>|[A-Za-z]{3,16})`;
const OFFSET = String.raw`[+-]?\d{1,3}(?::\d{1,2}(?::\d{1,2})?)?`;
const DAY = String.raw`(?:M\d{1,2}\.\d\.\d|J\d{1,3}|\d{1,3})`;
const RULE = `(${DAY})(?:/(${OFFSET}))?`;
const TZ = new RegExp(`^(${NAME})(${OFFSET})?(?:(${NAME})(${OFFSET})?(?:,${RULE},${RULE})?)?$`);

/** undefined when the string is not a POSIX TZ we can read. */
export function parsePosixTz(raw: string | undefined): PosixTz | undefined {
  const m = raw ? TZ.exec(raw.trim()) : null;
  if (!m) return undefined;
  const [, std = '', stdOffset, dstName, dstOffset, startDay, startTime, endDay, endTime] = m;
  const bareUtc = /^(UTC|GMT|UT|Z)$/i.test(std);
  if (stdOffset === undefined && !bareUtc) return undefined; // POSIX needs the offset; 'UTC' alone is common enough
  const stdOffsetSec = stdOffset === undefined ? 0 : seconds(stdOffset);
  if (stdOffsetSec === undefined || Math.abs(stdOffsetSec) > 24 * 3600) return undefined;
  const tz: PosixTz = { std: unquote(std), stdOffsetSec, ambiguousSign: bareUtc && stdOffsetSec !== 0 && /^[+-]/.test(stdOffset ?? '') };
  if (dstName) {
    const offsetSec = dstOffset === undefined ? stdOffsetSec - 3600 : seconds(dstOffset);
    if (offsetSec === undefined || Math.abs(offsetSec) > 24 * 3600) return undefined;
    tz.dst = { name: unquote(dstName), offsetSec };
    if (startDay && endDay) {
      const start = transition(startDay, startTime);
      const end = transition(endDay, endTime);
      if (!start || !end) return undefined;
      tz.dst.rule = { start, end };
    }
  }
  return tz;
}

export interface LocalToUtc {
  utcMs: number;
  dst: boolean;
  /** How DST was decided: no DST in the zone, the zone's rule, the camera's DaylightSavings flag, or guessed standard time. */
  by: 'no-dst' | 'rule' | 'flag' | 'guessed';
}

/**
 * A local wall-clock time (epoch ms read as if it were UTC) in UTC. DST by the
 * zone's rule when it has one, else by the camera's DaylightSavings flag, else
 * standard time (`by: 'guessed'`). The hour a transition repeats or skips is
 * read as the state before it.
 */
export function localToUtc(tz: PosixTz, localMs: number, daylightSavings?: boolean): LocalToUtc {
  const { dst } = tz;
  let inDst = false;
  let by: LocalToUtc['by'] = 'no-dst';
  if (dst?.rule) {
    inDst = inDstByRule(dst.rule, localMs);
    by = 'rule';
  } else if (dst && daylightSavings !== undefined) {
    inDst = daylightSavings;
    by = 'flag';
  } else if (dst) {
    by = 'guessed';
  }
  const offsetSec = inDst && dst ? dst.offsetSec : tz.stdOffsetSec;
  return { utcMs: localMs + offsetSec * 1000, dst: inDst, by };
}

function inDstByRule(rule: { start: Transition; end: Transition }, localMs: number): boolean {
  const year = new Date(localMs).getUTCFullYear();
  const start = transitionAt(rule.start, year);
  const end = transitionAt(rule.end, year);
  // Northern zones: DST between start and end; southern zones (start after end): outside end..start.
  return start < end ? localMs >= start && localMs < end : !(localMs >= end && localMs < start);
}

/** The transition's local wall-clock instant in `year` (epoch ms read as UTC). */
export function transitionAt(t: Transition, year: number): number {
  const d = t.day;
  let dayMs: number;
  if (d.kind === 'M') {
    const firstWeekday = new Date(Date.UTC(year, d.month - 1, 1)).getUTCDay();
    const daysInMonth = new Date(Date.UTC(year, d.month, 0)).getUTCDate();
    let date = 1 + ((d.weekday - firstWeekday + 7) % 7) + (d.week - 1) * 7;
    while (date > daysInMonth) date -= 7; // week 5 is the last such weekday
    dayMs = Date.UTC(year, d.month - 1, date);
  } else if (d.kind === 'J') {
    const leap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
    dayMs = Date.UTC(year, 0, 1) + (d.day - 1 + (leap && d.day >= 60 ? 1 : 0)) * 86_400_000;
  } else {
    dayMs = Date.UTC(year, 0, 1) + d.day * 86_400_000;
  }
  return dayMs + t.timeSec * 1000;
}

function transition(day: string, time: string | undefined): Transition | undefined {
  const timeSec = time === undefined ? 7200 : seconds(time);
  if (timeSec === undefined || Math.abs(timeSec) > 167 * 3600) return undefined;
  const parsed = transitionDay(day);
  return parsed && { day: parsed, timeSec };
}

function transitionDay(s: string): TransitionDay | undefined {
  const m = /^M(\d{1,2})\.(\d)\.(\d)$/.exec(s);
  if (m) {
    const [month, week, weekday] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return month >= 1 && month <= 12 && week >= 1 && week <= 5 && weekday <= 6 ? { kind: 'M', month, week, weekday } : undefined;
  }
  if (s.startsWith('J')) {
    const day = Number(s.slice(1));
    return day >= 1 && day <= 365 ? { kind: 'J', day } : undefined;
  }
  const day = Number(s);
  return day >= 0 && day <= 365 ? { kind: 'n', day } : undefined;
}

/** [+-]hh[:mm[:ss]] in seconds, sign kept. */
function seconds(s: string): number | undefined {
  const m = /^([+-]?)(\d{1,3})(?::(\d{1,2})(?::(\d{1,2}))?)?$/.exec(s);
  if (!m) return undefined;
  const [h, mi, se] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (mi > 59 || se > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * 3600 + mi * 60 + se);
}

const unquote = (name: string): string => name.replace(/^<|>$/g, '');
