/*
 * The one parser of dates typed on the command line: calendar days, full ISO instants and
 * relative forms. Days and months are UTC, as in every analytics answer.
 */

const DAY_MS = 86_400_000;

/** The relative forms besides `<N>d` / `<N>h` / `<N>m` (minutes) / `<N>w`, for messages and help. */
export const relativeDateWords = ['today', 'yesterday', 'now', 'last-week', 'last-month', 'this-week', 'this-month'] as const;

export const dateFormsHint = `a date such as 2026-11-01, an ISO time such as 2026-11-01T18:00:00Z, or a relative form: 7d, 24h, 30m, 2w (that long ago), ${relativeDateWords.join(', ')}`;

/** A period `[from, to)` as ISO instants. */
export interface Period {
  from: string;
  to: string;
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Monday 00:00 UTC of the week holding `ms`. */
function startOfWeek(ms: number): number {
  const day = startOfDay(ms);
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return day - weekday * DAY_MS;
}

function startOfMonth(ms: number, monthsBack = 0): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - monthsBack, 1);
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/**
 * The period a word names (`last-month` is the whole previous calendar month), or undefined.
 * @example periodOf('last-month', Date.parse('2026-12-07T06:00:00Z')) // { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' }
 */
export function periodOf(text: string, now: number): Period | undefined {
  const span = (from: number, to: number): Period => ({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  switch (text.trim().toLowerCase()) {
    case 'today':
      return span(startOfDay(now), startOfDay(now) + DAY_MS);
    case 'yesterday':
      return span(startOfDay(now) - DAY_MS, startOfDay(now));
    case 'this-week':
      return span(startOfWeek(now), startOfWeek(now) + 7 * DAY_MS);
    case 'last-week':
      return span(startOfWeek(now) - 7 * DAY_MS, startOfWeek(now));
    case 'this-month':
      return span(startOfMonth(now), startOfMonth(now, -1));
    case 'last-month':
      return span(startOfMonth(now, 1), startOfMonth(now));
    default:
      return undefined;
  }
}

/**
 * Parses one date as typed: `2026-11-01` (midnight UTC), an ISO time (`2026-11-01T18:00:00Z`,
 * `2026-11-01T18:00+01:00`), `7d`/`24h`/`30m`/`2w` ago, `now`, or a word (its period's start).
 * Answers the ISO instant, or an Error naming the option and the forms it accepts.
 * @example parseCliDate('7d', 'from', Date.parse('2026-12-07T00:00:00Z')) // '2026-11-30T00:00:00.000Z'
 */
export function parseCliDate(text: string, option: string, now: number): string {
  const value = text.trim().toLowerCase();
  if (value === 'now') return new Date(now).toISOString();
  const relative = /^(\d{1,6})([mhdw])$/.exec(value);
  if (relative !== undefined && relative !== null) {
    const [, amount, unit] = relative;
    return new Date(now - Number(amount) * (UNIT_MS[unit ?? 'd'] ?? DAY_MS)).toISOString();
  }
  const period = periodOf(value, now);
  if (period !== undefined) return period.from;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day !== null) {
    const [, year, month, date] = day;
    const ms = Date.UTC(Number(year), Number(month) - 1, Number(date));
    // Date.UTC rolls 2026-02-30 over into March: refuse days the calendar does not have.
    if (new Date(ms).toISOString().slice(0, 10) === value) return new Date(ms).toISOString();
  } else if (/^\d{4}-\d{2}-\d{2}t\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})$/.test(value)) {
    const ms = Date.parse(text.trim());
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  throw new Error(`--${option}: "${text}" is not a date; use ${dateFormsHint}`);
}

/**
 * The period of `--from`/`--to` (or `--period WORD`): each missing end defaults, to now and to
 * `defaultDays` before `to`. `--to` given as a word or a day means the end of that day/period.
 * @example resolvePeriod({ from: '7d' }, now) // the last 7 days up to now
 */
export function resolvePeriod(options: { from?: string | undefined; to?: string | undefined; period?: string | undefined }, now: number, defaultDays = 30): Period {
  if (options.period !== undefined) {
    if (options.from !== undefined || options.to !== undefined) throw new Error('--period: give either --period or --from/--to, not both');
    const named = periodOf(options.period, now);
    if (named !== undefined) return named;
    const relative = /^(\d{1,6})([hdw])$/.exec(options.period.trim().toLowerCase());
    if (relative === null) throw new Error(`--period: "${options.period}" is not a period; use 7d, 24h, 2w or one of ${relativeDateWords.filter((word) => word !== 'now').join(', ')}`);
    return { from: parseCliDate(options.period, 'period', now), to: new Date(now).toISOString() };
  }
  let to = new Date(now).toISOString();
  if (options.to !== undefined) {
    const named = periodOf(options.to, now);
    const isDay = /^\d{4}-\d{2}-\d{2}$/.test(options.to.trim());
    const parsed = parseCliDate(options.to, 'to', now);
    // "--to 2026-11-30" and "--to yesterday" include that whole day.
    to = named !== undefined ? named.to : isDay ? new Date(Date.parse(parsed) + DAY_MS).toISOString() : parsed;
  }
  const from = options.from !== undefined ? parseCliDate(options.from, 'from', now) : new Date(Date.parse(to) - defaultDays * DAY_MS).toISOString();
  if (Date.parse(from) >= Date.parse(to)) throw new Error(`--from (${from}) must be before --to (${to})`);
  return { from, to };
}
