import { createHash } from 'node:crypto';
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { ownValue, setOwn } from '../shared/own.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Digits without a leading zero: "42" is a number, "01234" (a zip code) stays text.
const NUMERIC = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const TRUE = new Set(['true', 'yes', 'y', '1', 'on', 'subscribed', 'opted_in', 'opt_in', 'granted']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off', 'unsubscribed', 'opted_out', 'opt_out', 'denied', 'revoked']);

/**
 * One import row being read: typed getters that accept the column under any of its common
 * names, remember which columns were used (the rest become traits or properties), and collect
 * problems as values instead of throwing.
 * @example const row = new Row(fields); const email = row.email('email', 'e_mail'); if (row.problems.length) ...
 */
export class Row {
  readonly problems: string[] = [];
  private readonly used = new Set<string>();

  constructor(readonly fields: Record<string, unknown>) {}

  /** The first present value among `names`; '' and null count as absent. */
  value(...names: string[]): { name: string; value: unknown } | undefined {
    for (const name of names) {
      if (!Object.hasOwn(this.fields, name)) continue;
      this.used.add(name);
      const value = ownValue(this.fields, name);
      if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) continue;
      return { name, value };
    }
    return undefined;
  }

  text(...names: string[]): string | undefined {
    const found = this.value(...names);
    if (found === undefined) return undefined;
    if (typeof found.value === 'string') return found.value.trim();
    if (typeof found.value === 'number' || typeof found.value === 'boolean') return String(found.value);
    this.problems.push(`${found.name} must be text`);
    return undefined;
  }

  number(...names: string[]): number | undefined {
    const found = this.value(...names);
    if (found === undefined) return undefined;
    const value = typeof found.value === 'number' ? found.value : typeof found.value === 'string' ? Number(found.value.trim()) : Number.NaN;
    if (!Number.isFinite(value)) {
      this.problems.push(`${found.name} must be a number, got ${JSON.stringify(found.value)}`);
      return undefined;
    }
    return value;
  }

  integer(...names: string[]): number | undefined {
    const value = this.number(...names);
    if (value === undefined || Number.isInteger(value)) return value;
    this.problems.push(`${names[0] ?? 'value'} must be a whole number, got ${value}`);
    return undefined;
  }

  boolean(...names: string[]): boolean | undefined {
    const found = this.value(...names);
    if (found === undefined) return undefined;
    if (typeof found.value === 'boolean') return found.value;
    const key = String(found.value).trim().toLowerCase();
    if (TRUE.has(key)) return true;
    if (FALSE.has(key)) return false;
    this.problems.push(`${found.name} must be yes/no or true/false, got ${JSON.stringify(found.value)}`);
    return undefined;
  }

  /** A date-time as ISO-8601 (UTC). Plain dates are midnight UTC. */
  timestamp(...names: string[]): string | undefined {
    const found = this.value(...names);
    if (found === undefined) return undefined;
    const ms = typeof found.value === 'number' ? found.value : typeof found.value === 'string' ? Date.parse(found.value.trim()) : Number.NaN;
    if (!Number.isFinite(ms)) {
      this.problems.push(`${found.name} must be an ISO-8601 date-time, got ${JSON.stringify(found.value)}`);
      return undefined;
    }
    return new Date(ms).toISOString();
  }

  /** A calendar date as YYYY-MM-DD; a date-time keeps its date part. */
  date(...names: string[]): string | undefined {
    const raw = this.text(...names);
    if (raw === undefined) return undefined;
    const candidate = raw.slice(0, 10);
    const match = ISO_DATE.exec(candidate);
    const parsed = match ? new Date(`${candidate}T00:00:00Z`) : undefined;
    // Date accepts 2024-02-31 by rolling over; compare back to reject it.
    if (!match || parsed === undefined || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== candidate) {
      this.problems.push(`${names[0] ?? 'date'} must be a date as YYYY-MM-DD, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return candidate;
  }

  email(...names: string[]): string | undefined {
    const raw = this.text(...names);
    if (raw === undefined) return undefined;
    if (!EMAIL.test(raw)) {
      this.problems.push(`${names[0] ?? 'email'} is not an email address: ${JSON.stringify(raw)}`);
      return undefined;
    }
    return raw.toLowerCase();
  }

  /** A phone number in E.164; numbers without a country code take `country` (ISO 3166 alpha-2). */
  phone(country: string | undefined, ...names: string[]): string | undefined {
    const raw = this.text(...names);
    if (raw === undefined) return undefined;
    const parsed = parsePhoneNumberFromString(raw, countryCode(country));
    if (parsed === undefined || !parsed.isValid()) {
      this.problems.push(`${names[0] ?? 'phone'} is not a valid phone number${country ? ` for ${country}` : ''}: ${JSON.stringify(raw)}`);
      return undefined;
    }
    return parsed.number;
  }

  /** A JSON value given as JSON text (CSV) or as is (NDJSON). */
  json(...names: string[]): unknown {
    const found = this.value(...names);
    if (found === undefined || typeof found.value !== 'string') return found?.value;
    try {
      return JSON.parse(found.value);
    } catch {
      this.problems.push(`${found.name} must be JSON`);
      return undefined;
    }
  }

  /** Columns no getter asked for, with CSV text typed lightly ("42" → 42, "true" → true). */
  rest(): Record<string, unknown> {
    const rest: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this.fields)) {
      if (this.used.has(name) || value === undefined || value === null || value === '') continue;
      setOwn(rest, name, typeof value === 'string' ? inferText(value) : value);
    }
    return rest;
  }

  /** Column names not yet used. */
  unused(): string[] {
    return Object.keys(this.fields).filter((name) => !this.used.has(name));
  }
}

function inferText(value: string): unknown {
  if (NUMERIC.test(value) && value.length < 16) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

function countryCode(value: string | undefined): CountryCode | undefined {
  const code = value?.trim().toUpperCase();
  return code !== undefined && isSupportedCountry(code) ? code : undefined;
}

/** A short stable hash of a JSON-able value; object keys are sorted so column order does not matter. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 32);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A messageId of at most 100 characters (Segment's limit): readable when short, hashed when not. */
export function importMessageId(prefix: string, key: string): string {
  const readable = `${prefix}-${key}`;
  return readable.length <= 100 ? readable : `${prefix}-${contentHash(key)}`;
}
