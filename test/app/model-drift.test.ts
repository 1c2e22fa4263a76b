import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ruleSchemas, triggerSchemas, widgetTypes } from '../../src/onsite/campaign.js';
import { strategyNames } from '../../src/recommendations/rules.js';
import { computedKeys, ConditionSchema, lifecycleStages, parseCondition, TraitConditionSchema } from '../../src/segments/condition.js';
import { CHANNELS, DEVICES as ONSITE_DEVICES, RULE_TYPES, SOURCES, STRATEGIES as ONSITE_STRATEGIES, TIERS, TRIGGER_TYPES, URL_MATCHES, WIDGET_TYPES } from '../../app/src/screens/onsite/model.js';
import { STRATEGIES as PREDICTION_STRATEGIES } from '../../app/src/screens/predictions/model.js';
import { COMPARE_OPS, COMPUTED_KEYS, CONSENT_CHANNELS, DEVICES, defaultLeaf, ENGAGEMENT_CHANNELS, LEAF_TYPES, LIFECYCLE_STAGES, TIME_UNITS } from '../../app/src/screens/segments/model.js';
import { FILTER_OPS, VALUE_OPS } from '../../app/src/screens/segments/ops.js';
import { PropertyFilter as FunnelPropertyFilter } from '../../src/analytics/queries.js';

/*
 * The app keeps its own copies of the API's vocabularies (operators, keys, trigger and rule types,
 * strategies) so its bundle does not carry the server's schema library. These tests read the same
 * lists out of the server's JSON schemas and fail the day one side gains or loses a word.
 */

type Schema = { anyOf?: Schema[]; allOf?: Schema[]; properties?: Record<string, Schema>; items?: Schema; const?: unknown; $ref?: string };

/** Every `const` reachable at `path` (property names, `[]` for array items), through unions. */
function constsAt(schema: Schema, path: readonly string[]): unknown[] {
  const branches = [...(schema.anyOf ?? []), ...(schema.allOf ?? [])];
  if (branches.length > 0) return [...new Set(branches.flatMap((branch) => constsAt(branch, path)))];
  const [head, ...rest] = path;
  if (head === undefined) return schema.const === undefined ? [] : [schema.const];
  const next = head === '[]' ? schema.items : schema.properties?.[head];
  return next === undefined ? [] : constsAt(next, rest);
}

/** The leaf of the condition tree whose `type` is `type`. */
function leaf(type: string): Schema {
  const found = (ConditionSchema as Schema).anyOf?.find((member) => constsAt(member, ['type']).includes(type));
  if (found === undefined) throw new Error(`no leaf condition of type ${type}`);
  return found;
}

const sorted = (values: readonly unknown[]) => [...values].map(String).sort();

describe('the app says what the API says', () => {
  it('segment conditions: leaf types, operators, keys, stages, channels, devices, units', () => {
    const leafTypes = constsAt(ConditionSchema as Schema, ['type']).filter((type) => !['and', 'or', 'not'].includes(String(type)));
    expect(sorted(LEAF_TYPES)).toEqual(sorted(leafTypes));
    expect(sorted(VALUE_OPS)).toEqual(sorted(constsAt(TraitConditionSchema as Schema, ['op'])));
    expect(sorted([...COMPARE_OPS, 'between', 'exists', 'not_exists'])).toEqual(sorted(constsAt(leaf('computed'), ['op'])));
    expect(sorted(COMPUTED_KEYS)).toEqual(sorted(computedKeys));
    expect(sorted(LIFECYCLE_STAGES)).toEqual(sorted(lifecycleStages));
    expect(sorted(ENGAGEMENT_CHANNELS)).toEqual(sorted(constsAt(leaf('preferred_channel'), ['channels', '[]'])));
    expect(sorted(CONSENT_CHANNELS)).toEqual(sorted(constsAt(leaf('reachable'), ['channel'])));
    expect(sorted(DEVICES)).toEqual(sorted(constsAt(leaf('device'), ['devices', '[]'])));
    expect(sorted(TIME_UNITS)).toEqual(sorted(constsAt(leaf('event'), ['window', 'unit'])));
  });

  it("funnel step filters: the segment event condition's ops the funnel API takes, less its older eq / neq", () => {
    expect(sorted(FILTER_OPS)).toEqual(sorted(constsAt(FunnelPropertyFilter as Schema, ['op']).filter((op) => op !== 'eq' && op !== 'neq')));
    expect(FILTER_OPS.every((op) => VALUE_OPS.includes(op))).toBe(true);
  });

  it('every row the builder adds is a condition the API accepts (once its blanks are filled)', () => {
    const filled = (node: Record<string, unknown>) => JSON.parse(JSON.stringify(node).replaceAll('""', '"x"')) as unknown;
    for (const type of LEAF_TYPES) {
      const node = filled(defaultLeaf(type));
      expect(Value.Check(ConditionSchema, node), `${type}: ${JSON.stringify(node)}`).toBe(true);
      expect(() => parseCondition(node)).not.toThrow();
    }
  });

  it('on-site campaigns: widgets, triggers, rules and their choices', () => {
    expect(sorted(WIDGET_TYPES)).toEqual(sorted(widgetTypes));
    expect(sorted(TRIGGER_TYPES)).toEqual(sorted(Object.keys(triggerSchemas)));
    expect(sorted(RULE_TYPES)).toEqual(sorted(Object.keys(ruleSchemas)));
    expect(sorted(URL_MATCHES)).toEqual(sorted(constsAt(ruleSchemas.url as Schema, ['match'])));
    expect(sorted(ONSITE_DEVICES)).toEqual(sorted(constsAt(ruleSchemas.device as Schema, ['devices', '[]'])));
    expect(sorted(SOURCES)).toEqual(sorted(constsAt(ruleSchemas.traffic_source as Schema, ['sources', '[]'])));
    expect(sorted(TIERS)).toEqual(sorted(constsAt(ruleSchemas.score_tier as Schema, ['tiers', '[]'])));
    expect(sorted(CHANNELS)).toEqual(sorted(constsAt(ruleSchemas.subscribed as Schema, ['channel'])));
  });

  it('recommendation strategies', () => {
    expect(sorted(ONSITE_STRATEGIES)).toEqual(sorted(strategyNames));
    expect(sorted(PREDICTION_STRATEGIES)).toEqual(sorted(strategyNames));
  });
});
