import { describe, expect, it } from 'vitest';
import { manualClock } from '../shared/clock.js';
import { createProgress, formatDuration, formatProgress } from './progress.js';

function capture(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, output: { isTTY, columns: 100, write: (text: string) => writes.push(text) } };
}

describe('formatProgress', () => {
  it('shows percent, amounts, rate and ETA', () => {
    const line = formatProgress({ done: 25 * 1024 * 1024, total: 100 * 1024 * 1024, elapsedMs: 5000 }, { bar: true });
    expect(line).toBe('[######------------------]   25.0%  25.0 MB / 100.0 MB  5.0 MB/s  ETA 0:15');
  });

  it('counts plain units without a total, and ends with the elapsed time', () => {
    expect(formatProgress({ done: 12000, total: null, elapsedMs: 4000, detail: '3 failed' }, { unit: 'events' })).toBe('12,000 events  3,000 events/s  in 0:04  3 failed');
  });

  it('formats durations', () => {
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});

describe('createProgress', () => {
  it('redraws one line in place on a TTY, throttled', () => {
    const clock = manualClock(0);
    const { writes, output } = capture(true);
    const bar = createProgress(output, { label: 'import', total: 1000, unit: 'rows', clock, ttyIntervalMs: 100 });
    bar.update(100);
    clock.advance(50);
    bar.update(200);
    clock.advance(60);
    bar.update(300);
    bar.finish();
    expect(writes).toHaveLength(3);
    expect(writes.every((text) => text.startsWith('\r'))).toBe(true);
    expect(writes[2]).toMatch(/100\.0%.*\n$/);
  });

  it('writes plain periodic lines when not a TTY', () => {
    const clock = manualClock(0);
    const { writes, output } = capture(false);
    const bar = createProgress(output, { label: 'demo', total: null, unit: 'events', clock, lineIntervalMs: 5000 });
    for (let i = 1; i <= 100; i++) {
      clock.advance(100);
      bar.update(i * 10);
    }
    bar.finish('done');
    expect(writes).toEqual(['demo 10 events  100 events/s  in 0:00\n', 'demo 510 events  100 events/s  in 0:05\n', 'demo 1,000 events  100 events/s  in 0:10  done\n']);
  });
});
