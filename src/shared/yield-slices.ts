import { performance } from 'node:perf_hooks';

/*
 * Sliced work waiting for its next turn (big ingest batches, their SQLite appends, template
 * renders), served one per macrotask turn. Were each to schedule its own setImmediate, every
 * waiter would run its slice in the same check phase, so with twenty batches in flight one
 * loop turn held twenty slices before the loop polled for I/O again and /healthz waited for
 * all of them (measured: healthz p99 of 620 ms under bench:hostile).
 */
const waiting: (() => void)[] = [];

/*
 * Work each kind of sliced step may do before it waits for a turn. 5 ms, as template renders
 * slice: with 10 ms, a loop turn under bench:hostile held a batch slice (10 ms) and the SQLite
 * statements of other requests (10 ms) besides the unsliced work of the requests that arrived
 * in it, 30-40 ms of CPU, and /healthz p99 sat at the 50 ms target on a quiet machine.
 */
const SLICE_MS = 5;
let pumping = false;

function pump(): void {
  waiting.shift()?.();
  if (waiting.length > 0) setImmediate(pump);
  else pumping = false;
}

/**
 * Resolves on a later macrotask turn, after the work already waiting for one: at most one
 * waiter resumes per turn, so between any two slices the loop polls for I/O.
 * @example await nextTurn();
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
    }
  });
}

/**
 * Work on big inputs (a 2,500-item batch, thousands of rows in one SQLite transaction) runs on
 * the one event-loop thread; call the returned function between items and it waits for a turn
 * (`nextTurn`) once `budgetMs` of work has passed, so /healthz and other requests are never
 * held up longer than about that. Cheap when nothing is due: one clock read.
 * Returns undefined when no turn is due, so the caller awaits (and pays a microtask) only then.
 * @example const slice = sliceYielder(); for (const item of items) { const pause = slice(); if (pause) await pause; work(item); }
 */
export function sliceYielder(budgetMs = SLICE_MS): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < budgetMs) return undefined;
    return nextTurn().then(() => {
      since = performance.now();
    });
  };
}

/**
 * For many small steps issued by unrelated callers (SQLite statements from every request): the
 * returned function measures the work done since the first step of the current loop turn, and
 * once that passes `budgetMs` it returns a wait for the loop's next check phase, after it has
 * polled for I/O. Not through `nextTurn`: a step of a fraction of a millisecond queued behind
 * every slice of big batches and renders made each query of an ordinary request wait as
 * many turns as there were slices (measured: ordinary requests several times slower under
 * bench:hostile). A step in a new turn starts a new count, so steps spread over quiet turns never
 * wait. On a turn with work it schedules one setImmediate to notice that the loop turned.
 * Returns undefined when no wait is due, so the caller awaits (and pays a microtask) only then.
 * @example const gate = turnBudget(); async function step() { const pause = gate(); if (pause) await pause; run(); }
 */
export function turnBudget(budgetMs = SLICE_MS): () => Promise<void> | undefined {
  let since = 0;
  let marked = false;
  const turned = () => {
    marked = false;
  };
  return () => {
    if (!marked) {
      // The loop turned since the last step: this step starts the turn's count.
      marked = true;
      since = performance.now();
      setImmediate(turned);
      return undefined;
    }
    if (performance.now() - since < budgetMs) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve));
  };
}
