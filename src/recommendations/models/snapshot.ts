import { DecayedCounter } from './decayed-counter.js';

/*
 * Trained models as bytes and back, so one worker trains and every process serves the same
 * models (issue 17): JSON in which typed arrays travel as base64 of their own bytes, maps as
 * entry lists, decayed counters as their values, and the non-finite numbers JSON lacks
 * (a window of Infinity) as tagged strings. Pure: the caller compresses and stores it.
 */

type Tagged =
  | { $: 'Int32Array' | 'Float32Array' | 'Float64Array' | 'Uint8Array'; b: string }
  | { $: 'Map'; e: [unknown, unknown][] }
  | { $: 'DecayedCounter'; s: ReturnType<DecayedCounter['snapshot']> }
  | { $: 'number'; n: string };

function tag(value: unknown): unknown {
  if (value instanceof Int32Array || value instanceof Float32Array || value instanceof Float64Array || value instanceof Uint8Array) {
    const name = value instanceof Int32Array ? 'Int32Array' : value instanceof Float32Array ? 'Float32Array' : value instanceof Float64Array ? 'Float64Array' : 'Uint8Array';
    return { $: name, b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') } satisfies Tagged;
  }
  if (value instanceof Map) return { $: 'Map', e: [...value.entries()] } satisfies Tagged;
  if (value instanceof DecayedCounter) return { $: 'DecayedCounter', s: value.snapshot() } satisfies Tagged;
  if (typeof value === 'number' && !Number.isFinite(value)) return { $: 'number', n: String(value) } satisfies Tagged;
  return value;
}

/**
 * The models as text (any value built of plain objects, arrays, typed arrays, maps and decayed counters).
 * @example const text = encodeSnapshot(models); const copy = decodeSnapshot(text);
 */
export function encodeSnapshot(value: unknown): string {
  // The replacer sees typed arrays and maps as they are (neither has a toJSON that would flatten them first).
  return JSON.stringify(value, (_key, current: unknown) => tag(current));
}

function bytesOf(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  // Typed arrays need an aligned buffer of their own.
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return Buffer.from(copy);
}

function untag(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('$' in value)) return value;
  const kind: unknown = Reflect.get(value, '$');
  const read = (field: string): unknown => Reflect.get(value, field);
  if (kind === 'Map') {
    const entries = read('e');
    return new Map(Array.isArray(entries) ? entries.flatMap((entry: unknown) => (Array.isArray(entry) && entry.length === 2 ? [[entry[0], entry[1]] as const] : [])) : []);
  }
  if (kind === 'number') return Number(read('n'));
  if (kind === 'DecayedCounter') {
    const state = read('s');
    const field = (name: string): unknown => (typeof state === 'object' && state !== null ? Reflect.get(state, name) : undefined);
    const numbers = (name: string): number[] => {
      const list = field(name);
      return Array.isArray(list) ? list.map(Number) : [];
    };
    return DecayedCounter.restore({ halfLife: Number(field('halfLife')), reference: Number(field('reference')), items: numbers('items'), values: numbers('values') });
  }
  const base64 = read('b');
  if (typeof base64 !== 'string') return value;
  const { buffer } = bytesOf(base64);
  if (kind === 'Int32Array') return new Int32Array(buffer);
  if (kind === 'Float32Array') return new Float32Array(buffer);
  if (kind === 'Float64Array') return new Float64Array(buffer);
  if (kind === 'Uint8Array') return new Uint8Array(buffer);
  return value;
}

/**
 * The value `encodeSnapshot` wrote. The caller checks its shape (a snapshot written by this
 * version of Rapport; an older one is retrained).
 */
export function decodeSnapshot(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => untag(value));
}
