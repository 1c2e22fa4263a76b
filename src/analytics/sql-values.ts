/* Values read back from the analytics engines (DuckDB rows, ClickHouse JSON rows) as plain numbers and strings. */

/**
 * A number read from an analytics engine (DuckDB BIGINT, HUGEINT, DOUBLE; ClickHouse JSON numbers or quoted 64-bit strings) as a JS number; null stays null.
 * @example toNumber(42n) // 42
 */
export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/**
 * Like `toNumber` but 0 for null (counts and sums over no rows).
 * @example count(null) // 0
 */
export function count(value: unknown): number {
  return toNumber(value) ?? 0;
}

/**
 * A value read from an analytics engine as text; null stays null.
 * @example text('a') // 'a'
 */
export function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}
