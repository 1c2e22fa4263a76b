import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { nextTurn, turnBudget } from './yield-slices.js';

/** Busy-waits `ms` on the loop thread (the work a synchronous statement does). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('nextTurn', () => {
  it('resumes one waiter per loop turn, in order', async () => {
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const resumedIn: number[] = [];
    await Promise.all([0, 1, 2, 3].map(() => nextTurn().then(() => resumedIn.push(turn))));
    ticking = false;
    expect(new Set(resumedIn).size).toBe(4);
    expect([...resumedIn].sort((a, b) => a - b)).toEqual(resumedIn);
  });
});

describe('turnBudget', () => {
  it('lets steps run on while the turn is short, and makes the step past the budget wait for a turn', async () => {
    const gate = turnBudget(5);
    expect(gate()).toBeUndefined();
    expect(gate()).toBeUndefined();
    spin(6);
    const pause = gate();
    expect(pause).toBeInstanceOf(Promise);
    // Not within this macrotask: microtasks run out and it is still pending.
    let resumed = false;
    void pause?.then(() => (resumed = true));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(resumed).toBe(false);
    await pause;
    expect(resumed).toBe(true);
    // After the wait the count starts again.
    expect(gate()).toBeUndefined();
  });

  it('starts a new count in each turn: steps spread over turns never wait', async () => {
    const gate = turnBudget(5);
    for (let turn = 0; turn < 5; turn++) {
      expect(gate()).toBeUndefined();
      spin(3);
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
});
