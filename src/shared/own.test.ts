import { describe, expect, it } from 'vitest';
import { eventFacts } from '../analytics/event-facts.js';
import { identityRules, ruleOf } from '../identity/rules.js';
import { Row } from '../imports/row.js';
import { pathValue } from '../segments/event-stats.js';
import { applyEvent } from '../profiles/apply-event.js';
import { emptyState, mergeStates } from '../profiles/state.js';
import { normalizeTraits } from '../profiles/traits.js';
import { compileSource } from '../templates/compile.js';
import { ownValue, setOwn } from './own.js';

/* Names a plain object already answers to, through every pure function that keys by a user's name. */
const NAMES = ['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

describe('own-property lookups', () => {
  it('reads and writes own properties only', () => {
    const table: Record<string, string> = { a: 'x' };
    for (const name of NAMES) expect(ownValue(table, name)).toBeUndefined();
    for (const name of NAMES) setOwn(table, name, name);
    expect(Object.keys(table)).toEqual(['a', ...NAMES]);
    expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(table))).toEqual(Object.fromEntries([['a', 'x'], ...NAMES.map((name) => [name, name])]));
  });

  it('gives prototype-named events no message channel in the replica columns', () => {
    for (const name of NAMES) {
      const facts = eventFacts({ type: 'track', event: name, messageId: 'm', context: {}, timestamp: '2024-01-01T00:00:00Z', receivedAt: '2024-01-01T00:00:00Z', properties: {} });
      expect(facts.messageChannel, name).toBeNull();
      expect(facts.messageCampaign, name).toBeNull();
    }
  });

  it('keeps prototype-named traits, address parts and genders as ordinary values', () => {
    for (const name of NAMES) {
      const { traits, consent } = normalizeTraits(JSON.parse(`{"${name}":"v","gender":"${name}","address":{"${name}":"x"}}`));
      expect(Object.hasOwn(traits, name) && traits[name], name).toBe('v');
      expect(traits.gender, name).toBe(name.toLowerCase());
      expect(Object.keys(traits.address ?? {}), name).toEqual([name]);
      expect(Object.keys(consent), name).toEqual([]);
    }
  });

  it('stores, merges and reads back prototype-named traits on a profile', () => {
    let a = emptyState();
    let b = emptyState();
    for (const [index, name] of NAMES.entries()) {
      const day = (d: number) => ({ timestamp: Date.UTC(2024, 0, d), iso: new Date(Date.UTC(2024, 0, d)).toISOString() });
      const [one, two] = [day(1), day(2)];
      a = applyEvent(a, {
        timestamp: one.timestamp,
        message: { type: 'identify', messageId: `a${index}`, context: {}, timestamp: one.iso, receivedAt: one.iso, traits: JSON.parse(`{"${name}":"a"}`) },
      });
      b = applyEvent(b, { timestamp: two.timestamp, message: { type: 'track', event: name, messageId: `b${index}`, context: {}, timestamp: two.iso, receivedAt: two.iso, properties: {} } });
    }
    const merged = mergeStates(JSON.parse(JSON.stringify(a)), b);
    expect(Object.keys(merged.traits).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) expect(ownValue(merged.traits, name)?.v, name).toBe('a');
  });

  it('reads prototype-named identifier types and property paths as absent until set', () => {
    const rules = identityRules({ types: JSON.parse('{"__proto__":{"maxPerProfile":3},"constructor":{"priority":7}}') });
    expect(ruleOf(rules, '__proto__').maxPerProfile).toBe(3);
    expect(ruleOf(rules, 'constructor').priority).toBe(7);
    expect(ruleOf(rules, 'toString')).toEqual(rules.externalDefault);
    for (const name of NAMES) {
      expect(pathValue({ a: {} }, name), name).toBeUndefined();
      expect(pathValue({ a: {} }, `a.${name}`), name).toBeUndefined();
      expect(pathValue(JSON.parse(`{"a":{"${name}":1}}`), `a.${name}`), name).toBe(1);
    }
  });

  it('keeps prototype-named template locales and CSV columns', async () => {
    const locales = Object.fromEntries(NAMES.map((name) => [name, { body: name }]));
    const compiled = await compileSource('sms', { default: { body: 'hi' }, locales });
    expect(Object.keys(compiled).sort()).toEqual(['default', ...NAMES].sort());
    expect(ownValue(compiled, 'fr')).toBeUndefined();
    const rest = new Row(Object.fromEntries(NAMES.map((name) => [name, '1']))).rest();
    expect(Object.keys(rest)).toEqual(NAMES);
  });
});
