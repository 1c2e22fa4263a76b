import { createHash, randomBytes } from 'node:crypto';

/** A random, URL-safe identifier with a readable prefix, e.g. `wk_3Fz...`. */
export function randomId(prefix: string, bytes = 16): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

/** A deterministic identifier derived from its inputs (same inputs, same id; used by replay). */
export function stableId(prefix: string, ...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  return `${prefix}_${hash.digest('base64url').slice(0, 22)}`;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** FNV-1a, 32-bit: fast and stable, for partitioning (not for security). */
export function fnv1a(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
