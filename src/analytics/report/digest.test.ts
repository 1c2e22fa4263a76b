import { describe, expect, it } from 'vitest';
import { barChart, lineChart } from './charts.js';
import { nextRunAt, reportPeriod } from './digest.js';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('report periods and schedule', () => {
  it('covers the closed day, week, month or quarter before the run', () => {
    const run = Date.parse('2024-05-15T06:00:00Z');
    expect([reportPeriod('daily', run)].map(({ from, to }) => [iso(from), iso(to)])).toEqual([['2024-05-14T00:00:00.000Z', '2024-05-15T00:00:00.000Z']]);
    // 2024-05-15 is a Wednesday: the last closed week is Monday 6 to Monday 13.
    expect([reportPeriod('weekly', run)].map(({ from, to }) => [iso(from), iso(to)])).toEqual([['2024-05-06T00:00:00.000Z', '2024-05-13T00:00:00.000Z']]);
    expect([reportPeriod('monthly', run)].map(({ from, to }) => [iso(from), iso(to)])).toEqual([['2024-04-01T00:00:00.000Z', '2024-05-01T00:00:00.000Z']]);
    expect([reportPeriod('quarterly', run)].map(({ from, to }) => [iso(from), iso(to)])).toEqual([['2024-01-01T00:00:00.000Z', '2024-04-01T00:00:00.000Z']]);
    expect([reportPeriod('quarterly', Date.parse('2024-01-01T06:00:00Z'))].map(({ from }) => iso(from))).toEqual(['2023-10-01T00:00:00.000Z']);
  });

  it('sends at 06:00 UTC on the first day of the next period', () => {
    const now = Date.parse('2024-05-15T10:00:00Z');
    expect(iso(nextRunAt('daily', now))).toBe('2024-05-16T06:00:00.000Z');
    expect(iso(nextRunAt('daily', Date.parse('2024-05-15T05:00:00Z')))).toBe('2024-05-15T06:00:00.000Z');
    expect(iso(nextRunAt('weekly', now))).toBe('2024-05-20T06:00:00.000Z');
    expect(iso(nextRunAt('monthly', now))).toBe('2024-06-01T06:00:00.000Z');
    expect(iso(nextRunAt('quarterly', now))).toBe('2024-07-01T06:00:00.000Z');
    expect(iso(nextRunAt('monthly', Date.parse('2024-12-01T06:00:00Z')))).toBe('2025-01-01T06:00:00.000Z');
  });
});

describe('charts', () => {
  it('draws bars proportional to the values and escapes labels', () => {
    const svg = barChart({ title: 'Funnel <test>', labels: ['A & B', 'C'], values: [100, 25] });
    expect(svg).toContain('Funnel &lt;test&gt;');
    expect(svg).toContain('A &amp; B');
    const widths = [...svg.matchAll(/<rect x="170" y="\d+" width="([\d.]+)"/g)].map((match) => Number(match[1]));
    expect(widths).toHaveLength(2);
    expect((widths[0] ?? 0) / (widths[1] ?? 1)).toBeCloseTo(4, 6);
  });

  it('draws one polyline per series', () => {
    const svg = lineChart({
      title: 'Retention',
      labels: ['0', '1', '2'],
      series: [
        { name: '2024-05', values: [1, 0.5, 0.25] },
        { name: '2024-06', values: [1, 0.4, null] },
      ],
      max: 1,
    });
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    // Plot 420 × 220 px from (50, 40): values 1, 0.5, 0.25 of max 1.
    expect(svg).toContain('points="50.0,40.0 260.0,150.0 470.0,205.0"');
    expect(svg).toContain('points="50.0,40.0 260.0,172.0"');
  });
});
