/** Why a gate turned work away: its queue for that key is full. */
export interface GateFull {
  full: true;
  /** Seconds after which a retry is likely to find room. */
  retryAfterSeconds: number;
}

interface Lane {
  running: number;
  waiting: Array<() => void>;
}

/**
 * Runs at most `concurrency` tasks per key at once, keeps up to `queue` more waiting in order, and
 * turns the rest away as a value, so one workspace's heavy queries cannot take every slot.
 * @example const gate = new WorkspaceGate({ concurrency: 2, queue: 8 }); const r = await gate.run('ws', () => heavy());
 */
export class WorkspaceGate {
  readonly #lanes = new Map<string, Lane>();

  constructor(private readonly limits: { concurrency: number; queue: number; retryAfterSeconds?: number }) {}

  /** Runs `task` when the key has a free slot; resolves to `GateFull` without running it when the queue is full. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T | GateFull> {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = { running: 0, waiting: [] };
      this.#lanes.set(key, lane);
    }
    if (lane.running >= this.limits.concurrency) {
      if (lane.waiting.length >= this.limits.queue) return { full: true, retryAfterSeconds: this.limits.retryAfterSeconds ?? 2 };
      const current = lane;
      await new Promise<void>((resolve) => current.waiting.push(resolve));
    } else {
      lane.running += 1;
    }
    try {
      return await task();
    } finally {
      this.#release(key, lane);
    }
  }

  /** Tasks running and waiting for a key (for status and tests). */
  load(key: string): { running: number; waiting: number } {
    const lane = this.#lanes.get(key);
    return { running: lane?.running ?? 0, waiting: lane?.waiting.length ?? 0 };
  }

  #release(key: string, lane: Lane): void {
    const next = lane.waiting.shift();
    // The slot passes straight to the next waiter, so `running` stays the same.
    if (next !== undefined) return next();
    lane.running -= 1;
    if (lane.running === 0) this.#lanes.delete(key);
  }
}

export function isGateFull(value: unknown): value is GateFull {
  return typeof value === 'object' && value !== null && 'full' in value && value.full === true;
}
