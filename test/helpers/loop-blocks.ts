import { performance } from 'node:perf_hooks';

/** The longest stretches between two turns of the event loop while some work ran. */
export interface LoopBlocks<T> {
  result: T;
  /** CPU time (user + system, every thread of the process) of the longest stretch, in ms. */
  cpuMs: number;
  /** Wall-clock time of the longest stretch, in ms: includes time the machine gave to others. */
  wallMs: number;
  /** Turns of the loop seen while the work ran. */
  turns: number;
}

/**
 * Runs `work` while a setImmediate ticker notes every turn of the event loop, and returns the
 * longest stretch between two turns both in CPU time and in wall-clock time. The CPU time is
 * what a bound can rest on: on a loaded 2-core machine the process is descheduled for hundreds
 * of ms at a time (a 50 ms busy loop measured 12.8 ms of CPU at load 15), which stretches the
 * wall clock but costs no CPU, while one unsliced block costs its whole work in CPU.
 * Meaningful only when nothing else in the process burns CPU meanwhile (no processor thread,
 * no DuckDB sync): helper threads count too.
 * @example const { cpuMs } = await loopBlocks(() => app.inject(bigBatch)); expect(cpuMs).toBeLessThan(250);
 */
export async function loopBlocks<T>(work: () => Promise<T>): Promise<LoopBlocks<T>> {
  let lastCpu = process.cpuUsage();
  let lastWall = performance.now();
  let cpuMs = 0;
  let wallMs = 0;
  let turns = 0;
  let running = true;
  const note = (): void => {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    cpuMs = Math.max(cpuMs, (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000);
    wallMs = Math.max(wallMs, wall - lastWall);
    lastCpu = cpu;
    lastWall = wall;
  };
  const tick = (): void => {
    note();
    turns += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    const result = await work();
    note();
    return { result, cpuMs, wallMs, turns };
  } finally {
    running = false;
  }
}
