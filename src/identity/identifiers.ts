import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { isJsonObject, type TrackingMessage } from '../ingest/index.js';
import { compareIdentifiers, identifierKey, type Identifier, type IdentityRules } from './rules.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Longer values are payload mistakes (a serialized object, a token), not identifiers.
const MAX_VALUE_LENGTH = 256;

/**
 * Lower-cased, trimmed email, or undefined when it does not look like an email.
 * @example normalizeEmail(' Ann@Shop.COM ') // 'ann@shop.com'
 */
export function normalizeEmail(raw: string): string | undefined {
  const value = raw.trim().toLowerCase();
  return EMAIL.test(value) && value.length <= MAX_VALUE_LENGTH ? value : undefined;
}

/**
 * E.164 phone number, or undefined. Without a default region only numbers written with `+` or
 * `00` are accepted: a national number cannot be placed in a country by guessing.
 * @example normalizePhone('0044 20 7946 0958') // '+442079460958'
 */
export function normalizePhone(raw: string, defaultRegion?: string): string | undefined {
  let value = raw.trim();
  if (value.startsWith('00')) value = `+${value.slice(2)}`;
  if (!value.startsWith('+') && defaultRegion === undefined) return undefined;
  const region = defaultRegion === undefined ? undefined : toCountryCode(defaultRegion);
  const parsed = region === undefined ? parsePhoneNumberFromString(value) : parsePhoneNumberFromString(value, region);
  return parsed !== undefined && parsed.isValid() ? parsed.number : undefined;
}

function toCountryCode(region: string): CountryCode | undefined {
  const upper = region.trim().toUpperCase();
  // libphonenumber validates the region itself; this only narrows the string type.
  return /^[A-Z]{2}$/.test(upper) ? (upper as CountryCode) : undefined;
}

/** Lower-case snake identifier type; `email`/`phone`/`user_id` spellings map to the built-ins. */
export function normalizeIdentifierType(raw: string): string | undefined {
  const type = raw
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_');
  if (type === '') return undefined;
  if (type === 'userid') return 'user_id';
  if (type === 'anonymousid') return 'anonymous_id';
  if (type === 'phone_number') return 'phone';
  return type;
}

/**
 * Normalizes a raw value for an identifier type and drops blocked placeholders. Returns
 * undefined when the value identifies nobody.
 * @example normalizeIdentifier(rules, 'email', ' Ann@Shop.COM ') // { type: 'email', value: 'ann@shop.com' }
 */
export function normalizeIdentifier(rules: IdentityRules, type: string, raw: unknown): Identifier | undefined {
  if (typeof raw === 'number' && Number.isFinite(raw)) raw = String(raw);
  if (typeof raw !== 'string') return undefined;
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.length > MAX_VALUE_LENGTH || rules.blockedValues.has(trimmed.toLowerCase())) return undefined;
  let value: string | undefined = trimmed;
  if (type === 'email') value = normalizeEmail(trimmed);
  else if (type === 'phone') value = normalizePhone(trimmed, rules.defaultPhoneRegion);
  if (value === undefined || rules.blockedValues.has(value.toLowerCase())) return undefined;
  return { type, value };
}

/** The identifiers one message carries. */
export interface MessageIdentifiers {
  /** Normalized, deduplicated, sorted by priority (highest first). */
  identifiers: Identifier[];
  /** alias: the previous id, normalized; its type (user_id or anonymous_id) is decided by lookup. */
  previousId: string | undefined;
}

/**
 * Reads every identifier of a message: userId, anonymousId, identify `traits.email/phone`,
 * `context.traits.email/phone`, `context.externalIds`, configured external-id traits and the
 * alias `previousId`. Returns undefined for a system event (no userId and no anonymousId),
 * which belongs to no profile.
 * @example const found = extractIdentifiers(identityRules(), message); // { identifiers: [...], previousId }
 */
export function extractIdentifiers(rules: IdentityRules, message: TrackingMessage): MessageIdentifiers | undefined {
  const found = new Map<string, Identifier>();
  const add = (type: string, raw: unknown): void => {
    const identifier = normalizeIdentifier(rules, type, raw);
    if (identifier !== undefined) found.set(identifierKey(identifier), identifier);
  };
  add('user_id', message.userId);
  add('anonymous_id', message.anonymousId);
  if (found.size === 0) return undefined;

  const traitSources: unknown[] = [message.context.traits];
  if (message.type === 'identify') traitSources.push(message.traits);
  for (const traits of traitSources) {
    if (!isJsonObject(traits)) continue;
    add('email', traits.email);
    add('phone', traits.phone);
    for (const [trait, type] of Object.entries(rules.externalIdTraits)) add(type, traits[trait]);
  }
  const externalIds = message.context.externalIds;
  if (Array.isArray(externalIds)) {
    for (const external of externalIds) {
      if (!isJsonObject(external) || typeof external.type !== 'string') continue;
      const type = normalizeIdentifierType(external.type);
      if (type !== undefined) add(type, external.id);
    }
  }
  let previousId: string | undefined;
  if (message.type === 'alias') {
    previousId = normalizeIdentifier(rules, 'anonymous_id', message.previousId)?.value;
  }
  const identifiers = [...found.values()].sort((a, b) => compareIdentifiers(rules, a, b));
  return { identifiers, previousId };
}
