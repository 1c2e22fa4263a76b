import { parseJson } from './util.js';

/*
 * Every read and write of browser storage goes through here so consent can gate it: until
 * storing is allowed, values live in memory only and nothing touches cookies, localStorage or
 * sessionStorage. When consent arrives, what was kept in memory is written out.
 */
type Area = 'local' | 'session';

const memory = new Map<string, { area: Area; value: string | null }>();
let persisting = false;

function area(name: Area): Storage | undefined {
  try {
    return name === 'local' ? window.localStorage : window.sessionStorage;
  } catch {
    return undefined; // storage disabled (Safari private mode, sandboxed frames)
  }
}

export function read(name: Area, key: string): string | null {
  const held = memory.get(key);
  if (held !== undefined) return held.value;
  try {
    return area(name)?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function write(name: Area, key: string, value: string | null): void {
  if (!persisting) {
    memory.set(key, { area: name, value });
    return;
  }
  try {
    const store = area(name);
    if (value === null) store?.removeItem(key);
    else store?.setItem(key, value);
  } catch {
    memory.set(key, { area: name, value }); // quota exceeded: keep it for this page at least
  }
}

export const readJson = (name: Area, key: string): unknown => parseJson(read(name, key));
export const writeJson = (name: Area, key: string, value: unknown): void => write(name, key, JSON.stringify(value));

/** Allows (or stops) storing; allowing writes out what was held in memory meanwhile. */
export function allowStorage(allowed: boolean): void {
  persisting = allowed;
  if (!allowed) return;
  const held = [...memory];
  memory.clear();
  for (const [key, entry] of held) write(entry.area, key, entry.value);
}

/** A cookie's value by name (analytics.js keeps its anonymous id in `ajs_anonymous_id`). */
export function cookie(name: string): string | null {
  try {
    for (const part of document.cookie.split(/;\s*/)) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq) === name) return decodeURIComponent(part.slice(eq + 1));
    }
  } catch {
    // cookies blocked
  }
  return null;
}
