import { describe, expect, it } from 'vitest';
import { bucketRanges, chooseVariant, fnv1a32, hashBucket, inLayer } from './hash.js';

/*
 * Vectors from GrowthBook's language-neutral SDK cases (growthbook/growthbook
 * packages/sdk-js/test/cases.json: "hash", "getBucketRange", "inNamespace") plus Landon Curt
 * Noll's FNV-1a reference values; any SDK that passes these assigns as the server does.
 */

describe('assignment hash', () => {
  it('is FNV-1a 32 (reference values)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it.each([
    ['', 'a', 1, 0.22],
    ['', 'b', 1, 0.077],
    ['b', 'a', 1, 0.946],
    ['ef', 'd', 1, 0.652],
    ['asdf', '8952klfjas09ujk', 1, 0.549],
    ['', '123', 1, 0.011],
    ['', '___)((*":&', 1, 0.563],
    ['seed', 'a', 2, 0.0505],
    ['seed', 'b', 2, 0.2696],
    ['foo', 'ab', 2, 0.2575],
    ['foo', 'def', 2, 0.2019],
    ['89123klj', '8952klfjas09ujkasdf', 2, 0.124],
    ['90850943850283058242805', '123', 2, 0.7516],
    ['()**(%$##$%#$#', '___)((*":&', 2, 0.0128],
  ] as const)('hash(%j, %j, v%i) = %d', (seed, unit, version, expected) => {
    expect(hashBucket(seed, unit, version)).toBe(expected);
  });

  it('builds GrowthBook bucket ranges (getBucketRange cases)', () => {
    const round = (ranges: Array<[number, number]>) => ranges.map(([a, b]) => [Number(a.toFixed(6)), Number(b.toFixed(6))]);
    expect(round(bucketRanges([0.5, 0.5], 1))).toEqual([
      [0, 0.5],
      [0.5, 1],
    ]);
    expect(round(bucketRanges([0.5, 0.5], 0.5))).toEqual([
      [0, 0.25],
      [0.5, 0.75],
    ]);
    expect(round(bucketRanges([0.2, 0.3, 0.5], 0.2))).toEqual([
      [0, 0.04],
      [0.2, 0.26],
      [0.5, 0.6],
    ]);
    expect(round(bucketRanges([0.4, 0.6], 0.1))).toEqual([
      [0, 0.04],
      [0.4, 0.46],
    ]);
  });

  it('chooses variants as GrowthBook chooseVariation does', () => {
    const even: Array<[number, number]> = [
      [0, 0.5],
      [0.5, 1],
    ];
    const reduced: Array<[number, number]> = [
      [0, 0.25],
      [0.5, 0.75],
    ];
    expect(chooseVariant(0.2, even)).toBe(0);
    expect(chooseVariant(0.6, even)).toBe(1);
    expect(chooseVariant(0.4, reduced)).toBe(-1);
    expect(chooseVariant(0.8, reduced)).toBe(-1);
  });

  it.each([
    ['1', 'namespace1', 0, 0.4, false],
    ['1', 'namespace1', 0.4, 1, true],
    ['1', 'namespace2', 0, 0.4, false],
    ['1', 'namespace2', 0.4, 1, true],
    ['2', 'namespace1', 0, 0.4, false],
    ['2', 'namespace1', 0.4, 1, true],
    ['2', 'namespace2', 0, 0.4, false],
    ['2', 'namespace2', 0.4, 1, true],
    ['3', 'namespace1', 0, 0.4, false],
    ['3', 'namespace1', 0.4, 1, true],
    ['3', 'namespace2', 0, 0.4, true],
    ['3', 'namespace2', 0.4, 1, false],
    ['4', 'namespace1', 0, 0.4, false],
    ['4', 'namespace1', 0.4, 1, true],
    ['4', 'namespace2', 0, 0.4, true],
    ['4', 'namespace2', 0.4, 1, false],
  ] as const)('inNamespace(%s, %s, %d, %d) = %s', (unit, layer, start, end, expected) => {
    expect(inLayer(unit, layer, start, end)).toBe(expected);
  });

  it('splits units evenly', () => {
    const counts = [0, 0];
    for (let i = 0; i < 100000; i++) {
      const index = chooseVariant(hashBucket('exp-1', `user-${i}`), bucketRanges([0.5, 0.5], 1));
      counts[index] = (counts[index] ?? 0) + 1;
    }
    expect(Math.abs((counts[0] ?? 0) - 50000)).toBeLessThan(600);
  });
});
