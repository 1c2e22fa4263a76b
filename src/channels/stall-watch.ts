import { performance } from 'node:perf_hooks';

const TICK_MS = 100;

/**
 * Notices when this process's event loop stood still (a long synchronous computation, such as
 * a model training step): a render that hit its time limit during such a stall failed because
 * of the server, not the template, so it may be tried again.
 * @example const watch = new StallWatch(500); watch.start(); const t0 = performance.now(); ...; watch.stalledSince(t0)
 */
export class StallWatch {
  private timer: NodeJS.Timeout | undefined;
  private lastTick = performance.now();
  /** End times of recent stalls (performance.now()). */
  private readonly ends: number[] = [];

  constructor(private readonly thresholdMs: number) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.lastTick = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      if (now - this.lastTick - TICK_MS >= this.thresholdMs) this.ends.push(now);
      if (this.ends.length > 32) this.ends.shift();
      this.lastTick = now;
    }, TICK_MS);
    this.timer.unref();
  }

  /** Whether the loop stalled at or after `since`, including a stall the timer has not seen yet. */
  stalledSince(since: number): boolean {
    if (performance.now() - this.lastTick - TICK_MS >= this.thresholdMs) return true;
    return this.ends.some((end) => end >= since);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
