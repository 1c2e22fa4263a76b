/** What one pass over the log did, as the loop needs to know it. */
export interface PassResult {
  /** Log positions the cursors moved past (0: caught up). */
  moved: number;
  /** Some batch was full: more is waiting, so the next pass starts at once. */
  full: boolean;
  /** Lingering before the next pass would gather more events (false for a follower's own system events). */
  linger: boolean;
}

export interface FollowerLoopOptions {
  /** Longest sleep while caught up; `wake()` cuts it short. */
  pollIntervalMs: number;
  /** Pause after a pass that made progress without filling a batch, so the next one batches more. */
  lingerMs: number;
  /** Shortest time from one pass's start to the next one's, however often `wake()` is called. */
  minPassIntervalMs: number;
  /**
   * After a wake-up ends an idle sleep, how long appends may gather before the pass (default 0):
   * appends arrive many times a second, and one pass per append would read the log in slivers.
   */
  gatherMs?: number;
  /** Wait before the first pass (default 0): a follower that need not run at start-up leaves the start to others. */
  firstPassAfterMs?: number;
  /** Called when a pass throws; the loop waits out the poll interval and tries again. */
  onError(error: unknown): void;
}

/**
 * The wake/sleep/linger loop every follower of the event log runs: a pass, then either another
 * pass at once (backlog), a linger (progress: let appends gather so one transaction carries
 * many), or a sleep until `wake()` or the poll interval (caught up). A failed pass waits out
 * the poll interval even when woken, so a broken store is not hammered.
 *
 * @example
 * const loop = new FollowerLoop(() => follower.runPass(), { pollIntervalMs: 1000, lingerMs: 25, minPassIntervalMs: 0, onError });
 * loop.start();
 * ingest.onAppend(() => loop.wake());
 */
export class FollowerLoop {
  private running = false;
  private woken = false;
  private loop: Promise<void> | undefined;
  private wakeSleeper: (() => void) | undefined;

  constructor(
    private readonly pass: () => Promise<PassResult>,
    private readonly options: FollowerLoopOptions,
  ) {}

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the loop; resolves once the pass in flight has finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeSleeper?.();
    await this.loop;
    this.loop = undefined;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** New events were appended. Wake-ups that arrive while a pass runs collapse into one more pass. */
  wake(): void {
    this.woken = true;
    this.wakeSleeper?.();
  }

  private async run(): Promise<void> {
    const { lingerMs, pollIntervalMs, minPassIntervalMs } = this.options;
    if ((this.options.firstPassAfterMs ?? 0) > 0) await this.sleep(this.options.firstPassAfterMs ?? 0, false);
    while (this.running) {
      const started = Date.now();
      // Cleared before the pass reads: an append during the pass is seen by the next one.
      this.woken = false;
      let result: PassResult | undefined;
      try {
        result = await this.pass();
      } catch (error) {
        this.options.onError(error);
      }
      if (!this.running) break;
      if (result === undefined) {
        await this.sleep(pollIntervalMs, false);
        continue;
      }
      if (result.full) continue;
      if (result.moved > 0) {
        // A commit costs about as much as a hundred events' work: at high rates lingering is what
        // keeps a follower ahead, at the price of at most lingerMs of freshness.
        if (lingerMs > 0 && result.linger) await this.sleep(lingerMs, false);
      } else if (!this.woken) {
        await this.sleep(pollIntervalMs, true);
        if (this.woken && (this.options.gatherMs ?? 0) > 0 && this.running) await this.sleep(this.options.gatherMs ?? 0, false);
      }
      const gap = minPassIntervalMs - (Date.now() - started);
      if (gap > 0 && this.running) await this.sleep(gap, false);
    }
  }

  /** Sleeps; `stop()` always cuts it short, a wake-up only when `wakeable`. */
  private async sleep(ms: number, wakeable: boolean): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeSleeper = () => {
        if (!wakeable && this.running) return;
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeSleeper = undefined;
  }
}
