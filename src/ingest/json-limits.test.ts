import { describe, expect, it } from 'vitest';
import { JSON_LIMITS, checkJsonLimits } from './json-limits.js';
import { normalizeMessage } from './normalize.js';

function nested(depth: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

const ctx = { receivedAt: Date.parse('2026-01-01T00:00:00Z'), partitions: 1, sourceId: null };

describe('checkJsonLimits', () => {
  it('accepts ordinary messages, NUL inside values included (stored as a JSON escape)', () => {
    expect(checkJsonLimits({ properties: { items: [{ sku: 'a', price: 1.5 }], note: 'x\u0000y', ok: true, none: null } }, 'batch[0]')).toBeUndefined();
  });

  it('takes an undefined property as absent, as JSON does (system events built in-process)', () => {
    expect(checkJsonLimits({ properties: { coupon: undefined, message_id: 'msg_1' } }, 'batch[0]')).toBeUndefined();
  });

  it('refuses nesting past the limit, however deep, without recursing', () => {
    expect(checkJsonLimits({ properties: nested(JSON_LIMITS.maxDepth - 2) }, '')).toBeUndefined();
    expect(checkJsonLimits({ properties: nested(JSON_LIMITS.maxDepth) }, 'batch[2]')).toMatchObject({ code: 'value_too_deep', field: expect.stringMatching(/^batch\[2\]\.properties(\.a)+$/) });
    expect(checkJsonLimits({ properties: nested(200_000) }, '')).toMatchObject({ code: 'value_too_deep' });
  });

  it('refuses too many keys or elements, and values JSON cannot hold', () => {
    const wide = Object.fromEntries(Array.from({ length: JSON_LIMITS.maxKeys + 1 }, (_, n) => [`k${n}`, n]));
    expect(checkJsonLimits({ properties: wide }, '')).toMatchObject({ code: 'too_many_keys', field: 'properties' });
    expect(checkJsonLimits({ properties: { list: new Array(JSON_LIMITS.maxArrayLength + 1).fill(0) } }, '')).toMatchObject({ code: 'too_many_keys', field: 'properties.list' });
    expect(checkJsonLimits({ properties: { 'we ird': [1, Number.POSITIVE_INFINITY] } }, 'batch[1]')).toMatchObject({ code: 'invalid_value', field: 'batch[1].properties["we ird"][1]' });
    expect(checkJsonLimits({ traits: { big: 10n } }, '')).toMatchObject({ code: 'invalid_value', field: 'traits.big' });
  });

  it('names a hostile key escaped and shortened', () => {
    const key = `\u0000${'k'.repeat(100)}`;
    const problem = checkJsonLimits({ properties: { [key]: Number.NaN } }, '');
    expect(problem?.field).toBe(`properties[${JSON.stringify(`\u0000${'k'.repeat(39)}…`)}]`);
    expect(problem?.field).not.toContain('\u0000');
  });
});

describe('normalizeMessage refuses items that once failed their whole batch', () => {
  it.each([
    ['a timestamp of 1e19', { timestamp: 1e19 }, 'invalid_timestamp', 'batch[0].timestamp'],
    ['a timestamp in year 275760', { timestamp: '+275760-09-13T00:00:00.000Z' }, 'invalid_timestamp', 'batch[0].timestamp'],
    ['a negative timestamp', { timestamp: -5 }, 'invalid_timestamp', 'batch[0].timestamp'],
    ['an impossible date', { timestamp: '2026-13-45T99:00:00Z' }, 'invalid_timestamp', 'batch[0].timestamp'],
    ['a skew correction out of range', { originalTimestamp: '1970-01-01T00:00:00Z', sentAt: '9999-12-31T00:00:00Z' }, 'invalid_timestamp', 'batch[0].sentAt'],
    ['properties 5,000 deep', { properties: nested(5000) }, 'value_too_deep', undefined],
    ['an infinite number', { properties: { total: Number.POSITIVE_INFINITY } }, 'invalid_value', 'batch[0].properties.total'],
  ])('%s', (_label, fields, code, field) => {
    const result = normalizeMessage({ type: 'track', event: 'E', userId: 'u', ...fields }, 0, ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.code).toBe(code);
    if (field !== undefined) expect(result.problem.field).toBe(field);
    expect(result.problem.message).not.toBe('');
  });
});
