import { isJsonObject, type JsonObject } from '../ingest/index.js';
import { normalizePhone } from '../identity/index.js';
import type { ConsentChannel } from './state.js';
import { ownValue, setOwn } from '../shared/own.js';

/** Segment reserved traits that may arrive in snake_case, with their canonical name. */
const reservedAliases: Readonly<Record<string, string>> = {
  first_name: 'firstName',
  last_name: 'lastName',
  created_at: 'createdAt',
};

const addressAliases: Readonly<Record<string, string>> = { postal_code: 'postalCode', zip: 'postalCode', zip_code: 'postalCode' };

/** Consent trait names per channel; they feed `consent`, not `traits`. */
const consentTraits: Readonly<Record<string, ConsentChannel>> = {
  email_consent: 'email',
  emailConsent: 'email',
  sms_consent: 'sms',
  smsConsent: 'sms',
  push_consent: 'push',
  pushConsent: 'push',
};

const genders: Readonly<Record<string, string>> = {
  m: 'male',
  male: 'male',
  man: 'male',
  f: 'female',
  female: 'female',
  woman: 'female',
  nb: 'non-binary',
  'non-binary': 'non-binary',
  nonbinary: 'non-binary',
  non_binary: 'non-binary',
  'non binary': 'non-binary',
  other: 'other',
  x: 'other',
};

function isConsentMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isConsentChannel(name: string): name is ConsentChannel {
  return name === 'email' || name === 'sms' || name === 'push';
}

export interface NormalizedTraits {
  traits: JsonObject;
  consent: Partial<Record<ConsentChannel, 'subscribed' | 'unsubscribed'>>;
}

/** `true`/`'subscribed'`-like → subscribed, `false`/`'unsubscribed'`-like → unsubscribed. */
export function parseConsent(value: unknown): 'subscribed' | 'unsubscribed' | undefined {
  if (value === true) return 'subscribed';
  if (value === false) return 'unsubscribed';
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (['subscribed', 'opted_in', 'opt_in', 'optin', 'yes', 'true', 'granted'].includes(text)) return 'subscribed';
  if (['unsubscribed', 'opted_out', 'opt_out', 'optout', 'no', 'false', 'denied'].includes(text)) return 'unsubscribed';
  return undefined;
}

/** `YYYY-MM-DD` from a date string, a Date-like ISO string or epoch milliseconds. */
export function normalizeBirthday(value: unknown): unknown {
  if (typeof value === 'string') {
    const match = /^(\d{4}-\d{2}-\d{2})/.exec(value.trim());
    if (match?.[1] !== undefined) return match[1];
  }
  if (typeof value !== 'string' && typeof value !== 'number') return value;
  const time = new Date(value).getTime();
  return Number.isFinite(time) ? new Date(time).toISOString().slice(0, 10) : value;
}

/** ISO-8601 from a date string or epoch milliseconds; other values are kept as sent. */
export function normalizeTimestamp(value: unknown): unknown {
  if (typeof value !== 'string' && typeof value !== 'number') return value;
  const time = new Date(value).getTime();
  return Number.isFinite(time) ? new Date(time).toISOString() : value;
}

export function normalizeGender(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  return ownValue(genders, text) ?? text;
}

function normalizeAddress(value: unknown): unknown {
  if (!isJsonObject(value)) return value;
  const address: JsonObject = {};
  for (const [key, field] of Object.entries(value)) setOwn(address, ownValue(addressAliases, key) ?? key, field);
  return address;
}

/**
 * Canonical reserved traits: snake_case reserved names to camelCase, email lower-cased, phone in
 * E.164 when it parses, birthday as a date, gender lower-case canonical, createdAt ISO-8601.
 * Consent traits are split out. Custom traits are kept as sent.
 * @example normalizeTraits({ first_name: 'Ann', email: 'Ann@X.com', email_consent: true })
 */
export function normalizeTraits(raw: JsonObject, defaultPhoneRegion?: string): NormalizedTraits {
  const traits: JsonObject = {};
  const consent: NormalizedTraits['consent'] = {};
  for (const [rawKey, rawValue] of Object.entries(raw)) {
    if (rawValue === undefined) continue;
    // `consent: { email: true, sms: 'unsubscribed' }`, as the CRM import and many forms send it.
    if (rawKey === 'consent' && isConsentMap(rawValue)) {
      for (const [name, value] of Object.entries(rawValue)) {
        const status = parseConsent(value);
        if (status !== undefined && isConsentChannel(name)) consent[name] = status;
      }
      continue;
    }
    const channel = ownValue(consentTraits, rawKey);
    if (channel !== undefined) {
      const status = parseConsent(rawValue);
      if (status !== undefined) consent[channel] = status;
      continue;
    }
    const key = ownValue(reservedAliases, rawKey) ?? rawKey;
    let value: unknown = rawValue;
    switch (key) {
      case 'email':
        if (typeof value === 'string') value = value.trim().toLowerCase();
        break;
      case 'phone':
        if (typeof value === 'string') value = normalizePhone(value, defaultPhoneRegion) ?? value.trim();
        break;
      case 'birthday':
        value = normalizeBirthday(value);
        break;
      case 'gender':
        value = normalizeGender(value);
        break;
      case 'createdAt':
        value = normalizeTimestamp(value);
        break;
      case 'address':
        value = normalizeAddress(value);
        break;
      default:
        break;
    }
    // A camelCase trait beats its snake_case twin in the same payload.
    if (key !== rawKey && Object.hasOwn(raw, key)) continue;
    setOwn(traits, key, value);
  }
  return { traits, consent };
}
