/**
 * Limits on the shape of one tracking message, checked before anything recurses into it:
 * JSON.stringify overflows the stack on a few thousand levels, and a 5,000-deep item once
 * failed its whole batch. NUL and lone surrogates inside JSON values are allowed: the payload is
 * stored as JSON text, where they are escapes, the same on SQLite and PostgreSQL; the columns
 * (ids, event names) refuse them in normalize.ts. docs/ingest-limits.md states the limits.
 */
export const JSON_LIMITS = {
  /** Nesting of objects and arrays below the message itself. */
  maxDepth: 32,
  /** Keys of one object. */
  maxKeys: 1000,
  /** Elements of one array. */
  maxArrayLength: 10_000,
} as const;

export interface JsonProblem {
  code: 'value_too_deep' | 'too_many_keys' | 'invalid_value';
  /** Path of the offending value, e.g. `batch[3].properties.items[2].name`. */
  field: string;
  message: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A value still to visit; its path is built only when it is at fault, so the walk allocates little. */
interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | undefined;
  key: string | number;
}

function pathOf(visit: Visit, root: string): string {
  const parts: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent !== undefined; at = at.parent) {
    const { key } = at;
    if (typeof key === 'number') parts.push(`[${key}]`);
    else if (IDENTIFIER.test(key)) parts.push(`.${key}`);
    // Escaped, so a hostile key (NUL, quotes, 1 MB) never reaches a log or column raw.
    else parts.push(`[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`);
  }
  const path = `${root}${parts.reverse().join('')}`;
  return path.startsWith('.') ? path.slice(1) : path;
}

/**
 * The first problem in `value` (a parsed JSON value), or undefined when it is within the limits.
 * Iterative, so the depth of the input never becomes the depth of our stack.
 * @example checkJsonLimits(message, 'batch[0]')
 */
export function checkJsonLimits(value: unknown, root: string): JsonProblem | undefined {
  const stack: Visit[] = [{ value, depth: 0, parent: undefined, key: '' }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { value: current, depth } = visit;
    // Strings need no walk: the 32 KB message limit, checked on the serialized message, bounds them.
    if (current === null || typeof current === 'boolean' || typeof current === 'string') continue;
    // In-process callers (system events) may leave a property undefined: JSON drops it, so may we.
    if (current === undefined) continue;
    if (typeof current === 'number') {
      // JSON has no NaN or Infinity; 1e400 parses to Infinity and would be stored as null.
      if (!Number.isFinite(current)) return { code: 'invalid_value', field: pathOf(visit, root), message: 'numbers must be finite (JSON has no NaN or Infinity; 1e400 overflows)' };
      continue;
    }
    if (current instanceof Date) {
      if (Number.isNaN(current.getTime())) return { code: 'invalid_value', field: pathOf(visit, root), message: 'an invalid date' };
      continue;
    }
    if (typeof current !== 'object') return { code: 'invalid_value', field: pathOf(visit, root), message: `a ${typeof current} is not a JSON value` };
    if (depth >= JSON_LIMITS.maxDepth) {
      return { code: 'value_too_deep', field: pathOf(visit, root), message: `objects and arrays may nest at most ${JSON_LIMITS.maxDepth} levels deep; flatten this value` };
    }
    if (Array.isArray(current)) {
      if (current.length > JSON_LIMITS.maxArrayLength) {
        return { code: 'too_many_keys', field: pathOf(visit, root), message: `an array may hold at most ${JSON_LIMITS.maxArrayLength} elements; this one has ${current.length}` };
      }
      for (let index = current.length - 1; index >= 0; index -= 1) stack.push({ value: current[index], depth: depth + 1, parent: visit, key: index });
      continue;
    }
    const keys = Object.keys(current);
    if (keys.length > JSON_LIMITS.maxKeys) {
      return { code: 'too_many_keys', field: pathOf(visit, root), message: `an object may have at most ${JSON_LIMITS.maxKeys} keys; this one has ${keys.length}` };
    }
    for (let index = keys.length - 1; index >= 0; index -= 1) {
      const key = keys[index];
      if (key !== undefined) stack.push({ value: Reflect.get(current, key), depth: depth + 1, parent: visit, key });
    }
  }
  return undefined;
}
