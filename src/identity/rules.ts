/*
 * Identity rules: pure data that decides which identifiers may live on one profile and which
 * identifier wins when an event carries several. Defaults suit a shop; a workspace overrides
 * any part of them.
 */

import { ownValue, setOwn } from '../shared/own.js';

/** One identifier of a person, already normalized (`email` lower-cased, `phone` E.164). */
export interface Identifier {
  type: string;
  value: string;
}

export interface IdentifierTypeRule {
  /** Most distinct values one profile may hold; `null` is unlimited. */
  maxPerProfile: number | null;
  /** Higher wins when choosing the profile an event belongs to. */
  priority: number;
}

export interface IdentityRules {
  /** Rules of the built-in types and of external types that differ from `externalDefault`. */
  types: Readonly<Record<string, IdentifierTypeRule>>;
  /** Rule of any external id type not listed in `types`. */
  externalDefault: IdentifierTypeRule;
  /** Values that never identify anyone, compared lower-cased and trimmed. */
  blockedValues: ReadonlySet<string>;
  /** Trait names read as external ids: trait name → identifier type (e.g. `{ crm_id: 'crm_id' }`). */
  externalIdTraits: Readonly<Record<string, string>>;
  /** ISO 3166 region for phone numbers without `+`/`00`; absent: only international numbers normalize. */
  defaultPhoneRegion: string | undefined;
}

/** What a workspace may override; absent fields keep the defaults. */
export interface IdentityRulesInput {
  types?: Record<string, Partial<IdentifierTypeRule>>;
  externalDefault?: Partial<IdentifierTypeRule>;
  /** Added to the default blocked values. */
  blockedValues?: string[];
  externalIdTraits?: Record<string, string>;
  defaultPhoneRegion?: string;
}

/**
 * Placeholder values SDKs and forms send when they have no real identifier. Merging on them
 * would fuse strangers into one profile, so they are ignored.
 */
export const defaultBlockedValues: readonly string[] = [
  'null',
  'undefined',
  'anonymous',
  'anon',
  '0',
  '-1',
  'nan',
  'none',
  'nil',
  'n/a',
  'na',
  'unknown',
  'guest',
  'test',
  '[object object]',
  'test@test.com',
  'test@example.com',
  'email@example.com',
  'user@example.com',
  'noemail@noemail.com',
  'no@email.com',
  'none@none.com',
  '00000000-0000-0000-0000-000000000000',
];

export const defaultIdentityRules: IdentityRules = {
  types: {
    user_id: { maxPerProfile: 1, priority: 100 },
    email: { maxPerProfile: 5, priority: 60 },
    phone: { maxPerProfile: 5, priority: 40 },
    anonymous_id: { maxPerProfile: null, priority: 20 },
  },
  // External ids (CRM, loyalty card) sit between user_id and email: they come from systems of record.
  externalDefault: { maxPerProfile: 1, priority: 80 },
  blockedValues: new Set(defaultBlockedValues),
  externalIdTraits: {},
  defaultPhoneRegion: undefined,
};

/**
 * The defaults with a workspace's overrides applied.
 * @example const rules = identityRules({ types: { email: { maxPerProfile: 1 } }, externalIdTraits: { crm_id: 'crm_id' } });
 */
export function identityRules(input: IdentityRulesInput = {}): IdentityRules {
  const types: Record<string, IdentifierTypeRule> = { ...defaultIdentityRules.types };
  for (const [type, override] of Object.entries(input.types ?? {})) {
    const base = ownValue(types, type) ?? defaultIdentityRules.externalDefault;
    setOwn(types, type, { ...base, ...override });
  }
  const blocked = new Set(defaultIdentityRules.blockedValues);
  for (const value of input.blockedValues ?? []) blocked.add(value.trim().toLowerCase());
  return {
    types,
    externalDefault: { ...defaultIdentityRules.externalDefault, ...input.externalDefault },
    blockedValues: blocked,
    externalIdTraits: { ...input.externalIdTraits },
    defaultPhoneRegion: input.defaultPhoneRegion,
  };
}

export function ruleOf(rules: IdentityRules, type: string): IdentifierTypeRule {
  return ownValue(rules.types, type) ?? rules.externalDefault;
}

/** Deterministic order: priority descending, then type, then value. */
export function compareIdentifiers(rules: IdentityRules, a: Identifier, b: Identifier): number {
  const byPriority = ruleOf(rules, b.type).priority - ruleOf(rules, a.type).priority;
  if (byPriority !== 0) return byPriority;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export function identifierKey(identifier: Identifier): string {
  return `${identifier.type}\u0000${identifier.value}`;
}
