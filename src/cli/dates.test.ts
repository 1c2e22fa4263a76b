import { describe, expect, it } from 'vitest';
import { parseCliDate, resolvePeriod } from './dates.js';

// Monday 2026-12-07 06:30 UTC.
const now = Date.parse('2026-12-07T06:30:00Z');

describe('parseCliDate', () => {
  it('reads calendar days and full ISO times', () => {
    expect(parseCliDate('2026-11-01', 'from', now)).toBe('2026-11-01T00:00:00.000Z');
    expect(parseCliDate('2026-11-01T18:00:00Z', 'from', now)).toBe('2026-11-01T18:00:00.000Z');
    expect(parseCliDate('2026-11-01T18:00:00.250+01:00', 'from', now)).toBe('2026-11-01T17:00:00.250Z');
    expect(parseCliDate('2026-11-01T18:00Z', 'from', now)).toBe('2026-11-01T18:00:00.000Z');
  });

  it('reads relative forms against the clock', () => {
    expect(parseCliDate('7d', 'from', now)).toBe('2026-11-30T06:30:00.000Z');
    expect(parseCliDate('24h', 'from', now)).toBe('2026-12-06T06:30:00.000Z');
    expect(parseCliDate('2w', 'from', now)).toBe('2026-11-23T06:30:00.000Z');
    expect(parseCliDate('now', 'to', now)).toBe('2026-12-07T06:30:00.000Z');
    expect(parseCliDate('today', 'from', now)).toBe('2026-12-07T00:00:00.000Z');
    expect(parseCliDate('Yesterday', 'from', now)).toBe('2026-12-06T00:00:00.000Z');
    expect(parseCliDate('last-week', 'from', now)).toBe('2026-11-30T00:00:00.000Z');
    expect(parseCliDate('this-month', 'from', now)).toBe('2026-12-01T00:00:00.000Z');
    expect(parseCliDate('last-month', 'from', now)).toBe('2026-11-01T00:00:00.000Z');
  });

  it('names the option and the accepted forms when it cannot read one', () => {
    for (const bad of ['2026-02-30', 'next-week', '7x', '2026-11-01 18:00', '', '01/11/2026']) {
      expect(() => parseCliDate(bad, 'from', now)).toThrow(/^--from: ".*" is not a date; use a date such as 2026-11-01, .*7d, 24h.*last-month/);
    }
  });
});

describe('resolvePeriod', () => {
  it('defaults to the last 30 days up to now', () => {
    expect(resolvePeriod({}, now)).toEqual({ from: '2026-11-07T06:30:00.000Z', to: '2026-12-07T06:30:00.000Z' });
  });

  it('takes a whole day or period as the end of --to, and words as --period', () => {
    expect(resolvePeriod({ from: '2026-11-01', to: '2026-11-30' }, now)).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(resolvePeriod({ period: 'last-month' }, now)).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(resolvePeriod({ period: 'yesterday' }, now)).toEqual({ from: '2026-12-06T00:00:00.000Z', to: '2026-12-07T00:00:00.000Z' });
    expect(resolvePeriod({ period: '7d' }, now)).toEqual({ from: '2026-11-30T06:30:00.000Z', to: '2026-12-07T06:30:00.000Z' });
    expect(resolvePeriod({ from: '7d' }, now)).toEqual({ from: '2026-11-30T06:30:00.000Z', to: '2026-12-07T06:30:00.000Z' });
  });

  it('refuses an empty or contradictory period', () => {
    expect(() => resolvePeriod({ from: 'today', to: 'last-week' }, now)).toThrow(/--from .* must be before --to/);
    expect(() => resolvePeriod({ period: 'today', from: '7d' }, now)).toThrow(/either --period or --from\/--to/);
    expect(() => resolvePeriod({ period: 'soon' }, now)).toThrow(/--period: "soon" is not a period; use 7d/);
  });
});
