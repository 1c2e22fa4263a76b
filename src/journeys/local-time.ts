/*
 * Wall-clock time in a customer's time zone, with Intl only (no tz database of our own).
 * Pure: instants in, instants out. Local times that do not exist (a spring-forward gap) map to
 * the instant just after the gap; repeated ones (fall-back) to the first.
 */

export interface LocalParts {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const weekdays: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Whether `timeZone` is an IANA zone this runtime knows (e.g. `Europe/Paris`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** A zone to use: the given one when valid, else the fallback. */
export function zoneOr(timeZone: unknown, fallback: string): string {
  return typeof timeZone === 'string' && timeZone !== '' && isTimeZone(timeZone) ? timeZone : fallback;
}

/**
 * The wall-clock reading of an instant in a zone.
 * @example localParts(Date.UTC(2026, 0, 1, 12), 'Europe/Paris').hour // 13
 */
export function localParts(instant: number, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: weekdays[parts.weekday ?? 'Sun'] ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in ms (Paris in winter: +3,600,000). */
function offsetAt(instant: number, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const seconds = Math.floor((((instant % 60_000) + 60_000) % 60_000) / 1000);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, seconds);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The instant at which the zone's clocks read the given local date and time.
 * @example zonedInstant(2026, 7, 1, 9, 0, 'America/New_York') === Date.UTC(2026, 6, 1, 13)
 */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(guess, timeZone);
  if (second !== guess) {
    // The offset changed between the two guesses: a DST transition is near.
    const p = localParts(second, timeZone);
    guess = p.hour === hour && p.minute === minute ? second : Math.max(guess, second);
  }
  return guess;
}

/** `HH:MM` → minutes since midnight; undefined when malformed. */
export function parseClock(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

function addDays(year: number, month: number, day: number, days: number): { year: number; month: number; day: number } {
  const date = new Date(Date.UTC(year, month - 1, day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/**
 * The first instant at or after `from` when the local clock reads `clock` (`HH:MM`) on one of
 * `days` (0 = Sunday; default every day).
 * @example nextLocalTime(now, '09:00', 'Europe/Paris') // the next 9 am in Paris
 */
export function nextLocalTime(from: number, clock: string, timeZone: string, days?: readonly number[]): number {
  const minutes = parseClock(clock);
  if (minutes === undefined) throw new Error(`"${clock}" is not a time of day; use HH:MM`);
  const today = localParts(from, timeZone);
  for (let offset = 0; offset < 8; offset++) {
    const date = addDays(today.year, today.month, today.day, offset);
    const instant = zonedInstant(date.year, date.month, date.day, Math.floor(minutes / 60), minutes % 60, timeZone);
    if (instant < from) continue;
    const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
    if (days === undefined || days.length === 0 || days.includes(weekday)) return instant;
  }
  throw new Error(`no day of the week is allowed (${JSON.stringify(days)})`);
}

/** Whether local minute-of-day `m` falls in [from, to), a range that may wrap midnight. */
function inRange(m: number, from: number, to: number): boolean {
  return from <= to ? m >= from && m < to : m >= from || m < to;
}

export interface TimeWindow {
  /** `HH:MM` local */
  from: string;
  /** `HH:MM` local, exclusive; before `from` means the window wraps midnight. */
  to: string;
  /** 0 = Sunday … 6 = Saturday; default every day. */
  days?: number[] | undefined;
}

/**
 * The first instant at or after `at` inside the window (at itself when it already is).
 * @example nextInWindow(Date.UTC(2026, 0, 1, 23), { from: '09:00', to: '20:00' }, 'UTC') === Date.UTC(2026, 0, 2, 9)
 */
export function nextInWindow(at: number, window: TimeWindow, timeZone: string): number {
  const from = parseClock(window.from);
  const to = parseClock(window.to);
  if (from === undefined || to === undefined) throw new Error(`window ${window.from}-${window.to} is not HH:MM-HH:MM`);
  const p = localParts(at, timeZone);
  const dayOk = window.days === undefined || window.days.length === 0 || window.days.includes(p.weekday);
  if (dayOk && inRange(p.hour * 60 + p.minute, from, to)) return at;
  return nextLocalTime(at, window.from, timeZone, window.days);
}

/**
 * Quiet hours [start, end) in local time: when `at` falls inside, the instant they end; else `at`.
 * @example quietUntil(Date.UTC(2026, 0, 1, 22), { start: '21:00', end: '08:00' }, 'UTC') === Date.UTC(2026, 0, 2, 8)
 */
export function quietUntil(at: number, quiet: { start: string; end: string }, timeZone: string): number {
  const start = parseClock(quiet.start);
  const end = parseClock(quiet.end);
  if (start === undefined || end === undefined) throw new Error(`quiet hours ${quiet.start}-${quiet.end} are not HH:MM-HH:MM`);
  const p = localParts(at, timeZone);
  if (!inRange(p.hour * 60 + p.minute, start, end)) return at;
  return nextLocalTime(at, quiet.end, timeZone);
}

/**
 * The next yearly occurrence of a date (month/day of `date`, e.g. a birthday) plus `offsetDays`,
 * at local `clock`, at or after `from`. 29 February falls on 28 February in common years.
 * @example nextAnniversary(Date.UTC(2026, 0, 1), '1990-03-15', 0, '09:00', 'UTC') === Date.UTC(2026, 2, 15, 9)
 */
export function nextAnniversary(from: number, date: string, offsetDays: number, clock: string, timeZone: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (match === null) return undefined;
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const minutes = parseClock(clock);
  if (minutes === undefined) return undefined;
  const startYear = localParts(from, timeZone).year - 1;
  for (let year = startYear; year < startYear + 3; year++) {
    const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const base = addDays(year, month, Math.min(day, lastDay), offsetDays);
    const instant = zonedInstant(base.year, base.month, base.day, Math.floor(minutes / 60), minutes % 60, timeZone);
    if (instant >= from) return instant;
  }
  return undefined;
}
