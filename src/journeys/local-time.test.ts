import { describe, expect, it } from 'vitest';
import { isTimeZone, localParts, nextAnniversary, nextInWindow, nextLocalTime, quietUntil, zonedInstant } from './local-time.js';

// Offsets from the IANA database: Paris UTC+1 in winter, UTC+2 from the last Sunday of March
// (29 March 2026, 01:00 UTC); New York UTC-5, UTC-4 from 8 March 2026 (07:00 UTC); Tokyo UTC+9.
describe('local time', () => {
  it('reads wall-clock parts in a zone', () => {
    expect(localParts(Date.UTC(2026, 0, 1, 12), 'Europe/Paris')).toMatchObject({ year: 2026, month: 1, day: 1, hour: 13, minute: 0, weekday: 4 });
    expect(localParts(Date.UTC(2026, 0, 1, 2), 'America/New_York')).toMatchObject({ year: 2025, month: 12, day: 31, hour: 21 });
  });

  it('finds the instant of a local time, across daylight-saving changes', () => {
    expect(zonedInstant(2026, 3, 28, 9, 0, 'Europe/Paris')).toBe(Date.UTC(2026, 2, 28, 8));
    expect(zonedInstant(2026, 3, 30, 9, 0, 'Europe/Paris')).toBe(Date.UTC(2026, 2, 30, 7));
    expect(zonedInstant(2026, 7, 1, 9, 0, 'America/New_York')).toBe(Date.UTC(2026, 6, 1, 13));
    // 02:30 does not exist in Paris on 29 March 2026: the instant after the gap.
    expect(zonedInstant(2026, 3, 29, 2, 30, 'Europe/Paris')).toBe(Date.UTC(2026, 2, 29, 1, 30));
  });

  it('finds the next local time of day, on allowed weekdays', () => {
    expect(nextLocalTime(Date.UTC(2026, 2, 2, 12), '09:00', 'Asia/Tokyo')).toBe(Date.UTC(2026, 2, 3, 0));
    expect(nextLocalTime(Date.UTC(2026, 2, 2, 7), '09:00', 'Europe/Paris')).toBe(Date.UTC(2026, 2, 2, 8));
    // Monday 2 March, after 9:00: the next Saturday (6) is 7 March.
    expect(nextLocalTime(Date.UTC(2026, 2, 2, 12), '09:00', 'UTC', [6])).toBe(Date.UTC(2026, 2, 7, 9));
    expect(() => nextLocalTime(0, '9am', 'UTC')).toThrow('"9am" is not a time of day; use HH:MM');
  });

  it('holds sends through quiet hours and outside the send window', () => {
    const quiet = { start: '21:00', end: '08:00' };
    expect(quietUntil(Date.UTC(2026, 2, 2, 22), quiet, 'UTC')).toBe(Date.UTC(2026, 2, 3, 8));
    expect(quietUntil(Date.UTC(2026, 2, 2, 3), quiet, 'UTC')).toBe(Date.UTC(2026, 2, 2, 8));
    expect(quietUntil(Date.UTC(2026, 2, 2, 12), quiet, 'UTC')).toBe(Date.UTC(2026, 2, 2, 12));
    // 13:00 UTC is 22:00 in Tokyo: quiet until 08:00 Tokyo, 23:00 UTC.
    expect(quietUntil(Date.UTC(2026, 2, 2, 13), quiet, 'Asia/Tokyo')).toBe(Date.UTC(2026, 2, 2, 23));
    const window = { from: '09:00', to: '18:00', days: [1, 2, 3, 4, 5] };
    expect(nextInWindow(Date.UTC(2026, 2, 2, 10), window, 'UTC')).toBe(Date.UTC(2026, 2, 2, 10));
    // Friday 6 March 19:00 → Monday 9 March 09:00.
    expect(nextInWindow(Date.UTC(2026, 2, 6, 19), window, 'UTC')).toBe(Date.UTC(2026, 2, 9, 9));
  });

  it('finds the next yearly date, with an offset and 29 February', () => {
    expect(nextAnniversary(Date.UTC(2026, 0, 1), '1990-03-15', 0, '09:00', 'UTC')).toBe(Date.UTC(2026, 2, 15, 9));
    expect(nextAnniversary(Date.UTC(2026, 2, 16), '1990-03-15', 0, '09:00', 'UTC')).toBe(Date.UTC(2027, 2, 15, 9));
    expect(nextAnniversary(Date.UTC(2026, 0, 1), '1990-03-15', -7, '09:00', 'UTC')).toBe(Date.UTC(2026, 2, 8, 9));
    expect(nextAnniversary(Date.UTC(2026, 0, 1), '2000-02-29', 0, '10:00', 'UTC')).toBe(Date.UTC(2026, 1, 28, 10));
    expect(nextAnniversary(Date.UTC(2026, 0, 1), 'not a date', 0, '10:00', 'UTC')).toBeUndefined();
  });

  it('knows time zones', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
