/** Thrown inside a batch transaction to roll it back when the cursor (or, on SQLite, a row it read) moved under it; the batch is retried. */
export class CursorMoved extends Error {
  override name = 'CursorMoved';
}

// PostgreSQL errors that a retry of the same batch resolves: unique violation (two workers
// created one identity), deadlock, serialization failure.
const retryableCodes = new Set(['23505', '40P01', '40001']);

/** Whether a failed batch says nothing about its events, so running it again is the fix. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof CursorMoved) return true;
  if (typeof error !== 'object' || error === null || !('code' in error) || typeof error.code !== 'string') return false;
  const { code } = error;
  // better-sqlite3: two processes on one file created the same identity, or the file's lock
  // was held past the busy timeout. Neither says anything about the events.
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
  // PostgreSQL: connection exceptions (08), insufficient resources (53), operator intervention (57).
  return retryableCodes.has(code) || /^(08|53|57)/.test(code);
}
