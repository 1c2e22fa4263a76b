/*
 * Lookups keyed by what a user typed (event names, trait keys, recipe names...). A plain object
 * answers `table['constructor']` with Object's constructor and `table['__proto__']` with its
 * prototype, and assigning `__proto__` replaces the prototype instead of storing a key; these
 * two helpers touch own properties only.
 */

/**
 * The record's own value for `key`, never one inherited from Object.prototype.
 * @example ownValue({ 'Product Viewed': 'viewed' }, 'constructor') // undefined
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Stores `value` under `key` as an own property, `__proto__` included.
 * @example const traits: Record<string, string> = {}; setOwn(traits, '__proto__', 'x'); Object.keys(traits) // ['__proto__']
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}
