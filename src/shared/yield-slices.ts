import { performance } from 'node:perf_hooks';

/**
 * Work on big inputs (a 2,500-item batch, thousands of rows in one SQLite transaction) runs on
 * the one event-loop thread; call the returned function between items and it gives the loop a
 * turn (setImmediate) once `budgetMs` of work has passed, so /healthz and other requests are
 * never held up longer than about that. Cheap when nothing is due: one clock read.
 * Returns undefined when no turn is due, so the caller awaits (and pays a microtask) only then.
 * @example const slice = sliceYielder(); for (const item of items) { const pause = slice(); if (pause) await pause; work(item); }
 */
export function sliceYielder(budgetMs = 10): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < budgetMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        since = performance.now();
        resolve();
      }),
    );
  };
}
