import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';

/** Where a progress display writes: a TTY gets a bar redrawn in place, anything else plain lines. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

export interface ProgressOptions {
  label: string;
  /** Total units (bytes, events); null or undefined when unknown: no percent or ETA then. */
  total?: number | null | undefined;
  /** How the unit is shown: bytes as KB/MB/GB, or a plain count with this word ("events"). */
  unit?: 'bytes' | string;
  clock?: Clock;
  /** TTY redraw interval (default 100 ms). */
  ttyIntervalMs?: number;
  /** Plain line interval when not a TTY, e.g. in CI logs (default 5 s). */
  lineIntervalMs?: number;
}

export interface ProgressState {
  done: number;
  total: number | null;
  elapsedMs: number;
  /** Extra text after the figures, e.g. "12,000 rows, 3 failed". */
  detail?: string | undefined;
}

export interface Progress {
  /** Reports the amount done so far; redraws at most once per interval. */
  update(done: number, detail?: string): void;
  /** Draws the final state and ends the line. */
  finish(detail?: string): void;
}

const BAR_WIDTH = 24;

/**
 * A progress display for long CLI work: percent, rate and ETA; a bar redrawn in place on a
 * TTY, a plain line every few seconds elsewhere (so CI logs stay readable).
 * @example const bar = createProgress(process.stderr, { label: 'import', total: size, unit: 'bytes' }); bar.update(n); bar.finish();
 */
export function createProgress(output: ProgressOutput, options: ProgressOptions): Progress {
  const clock = options.clock ?? systemClock;
  const tty = output.isTTY === true;
  const interval = tty ? (options.ttyIntervalMs ?? 100) : (options.lineIntervalMs ?? 5000);
  const started = clock.now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let done = 0;
  let finished = false;

  const draw = (final: boolean, detail: string | undefined) => {
    const state: ProgressState = { done, total: options.total ?? null, elapsedMs: clock.now() - started, detail };
    const line = `${options.label} ${formatProgress(state, { unit: options.unit, bar: tty })}`;
    if (tty) {
      const width = output.columns ?? 80;
      const clipped = line.length >= width ? line.slice(0, width - 1) : line;
      output.write(`\r${clipped.padEnd(width - 1)}${final ? '\n' : ''}`);
    } else {
      output.write(`${line}\n`);
    }
  };

  return {
    update(value, detail) {
      if (finished) return;
      done = value;
      const now = clock.now();
      if (now - lastDraw < interval) return;
      lastDraw = now;
      draw(false, detail);
    },
    finish(detail) {
      if (finished) return;
      finished = true;
      if (options.total !== null && options.total !== undefined) done = Math.max(done, options.total);
      draw(true, detail);
    },
  };
}

/**
 * One progress line (pure): `[#####-----]  42.0%  12.3 MB/s  ETA 0:31  12,000 rows`.
 * @example formatProgress({ done: 50, total: 100, elapsedMs: 1000 }, { unit: 'events' })
 */
export function formatProgress(state: ProgressState, options: { unit?: string | undefined; bar?: boolean } = {}): string {
  const unit = options.unit ?? 'bytes';
  const seconds = state.elapsedMs / 1000;
  const rate = seconds > 0 ? state.done / seconds : 0;
  const parts: string[] = [];
  if (state.total !== null && state.total > 0) {
    const fraction = Math.min(1, state.done / state.total);
    if (options.bar === true) {
      const filled = Math.round(fraction * BAR_WIDTH);
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
    }
    parts.push(`${(fraction * 100).toFixed(1).padStart(5)}%`);
    parts.push(`${formatAmount(state.done, unit)} / ${formatAmount(state.total, unit)}`);
  } else {
    parts.push(formatAmount(state.done, unit));
  }
  parts.push(`${formatAmount(rate, unit)}/s`);
  if (state.total !== null && state.total > 0 && state.done < state.total) {
    parts.push(rate > 0 ? `ETA ${formatDuration((state.total - state.done) / rate)}` : 'ETA --:--');
  } else {
    parts.push(`in ${formatDuration(seconds)}`);
  }
  if (state.detail !== undefined && state.detail !== '') parts.push(state.detail);
  return parts.join('  ');
}

function formatAmount(value: number, unit: string): string {
  if (unit !== 'bytes') return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let amount = value;
  let index = 0;
  while (amount >= 1024 && index < units.length - 1) {
    amount /= 1024;
    index += 1;
  }
  return `${index === 0 ? Math.round(amount) : amount.toFixed(1)} ${units[index]}`;
}

/** Seconds as m:ss, or h:mm:ss past an hour. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
