/** Small helpers shared by the core; each stays tiny because every byte ships to every visitor. */

/** Runs `work`, swallowing anything it throws: a broken SDK must never break the host page. */
export function safe<A extends unknown[], R>(work: (...args: A) => R): (...args: A) => R | undefined {
  return (...args: A) => {
    try {
      return work(...args);
    } catch (error) {
      report(error);
      return undefined;
    }
  };
}

/** Errors go to the console only (never rethrown), so a shop can still see why something failed. */
export function report(error: unknown): void {
  try {
    console.warn('[rapport]', error);
  } catch {
    // a page that replaced console: nothing else to do
  }
}

/** RFC 4122 v4 id; crypto.randomUUID is missing on older Safari and on non-secure origins. */
export function uuid(): string {
  const c = globalThis.crypto;
  if (c !== undefined && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const now = (): number => Date.now();

/** Own property read: config and traits come from outside and may name `__proto__`. */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
