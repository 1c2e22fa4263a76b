import type { Subject } from './store/personal-data.js';

/** What identifies the person in raw text: identifier values and profile ids, lower-cased, and phone digits. */
export interface Needles {
  values: Set<string>;
  /** Digits of the person's phone numbers (E.164 without `+`). */
  phoneDigits: string[];
}

/**
 * The needles of a subject.
 * @example needlesOf({ workspaceId: 'ws', profileIds: ['prf_1'], identifiers: [{ type: 'email', value: 'a@b.co' }] })
 */
export function needlesOf(subject: Subject): Needles {
  const values = new Set<string>([...subject.profileIds, ...subject.identifiers.map((identifier) => identifier.value)].map((value) => value.trim().toLowerCase()).filter((value) => value.length >= 3));
  const phoneDigits = subject.identifiers
    .filter((identifier) => identifier.type === 'phone')
    .map((identifier) => identifier.value.replace(/\D/g, ''))
    .filter((digits) => digits.length >= 7);
  return { values, phoneDigits };
}

/** A phone number as someone might type it: digits with spaces, dots, dashes, brackets, a leading +. */
const PHONE_LIKE = /^\+?[\d\s().-]{7,}$/;

function leafMatches(leaf: string, needles: Needles): boolean {
  const value = leaf.trim().toLowerCase();
  if (needles.values.has(value)) return true;
  if (needles.phoneDigits.length === 0 || !PHONE_LIKE.test(value)) return false;
  const digits = value.replace(/\D/g, '');
  // A national form (no country code) matches the tail of the E.164 number; 9+ digits so short codes do not.
  return digits.length >= 9 && needles.phoneDigits.some((phone) => phone === digits || phone.endsWith(digits) || digits.endsWith(phone));
}

function walk(value: unknown, needles: Needles): boolean {
  if (typeof value === 'string') return leafMatches(value, needles);
  if (typeof value === 'number') return leafMatches(String(value), needles);
  if (Array.isArray(value)) return value.some((item) => walk(item, needles));
  if (value !== null && typeof value === 'object') return Object.values(value).some((item) => walk(item, needles));
  return false;
}

/**
 * Whether raw JSON text (a quarantined payload, possibly cut short) names the person: any
 * string or number in it equal to one of their identifiers or profile ids (case and spaces
 * aside, phone numbers in any common spelling); text that does not parse is searched as is.
 * @example mentions('{"userId":" Ann-42 "}', needlesOf(subject)) // true when ann-42 is the person's user id
 */
export function mentions(text: string, needles: Needles): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const lower = text.toLowerCase();
    return [...needles.values].some((value) => lower.includes(value)) || (lower.match(/\+?\d[\d\s().-]{6,}\d/g) ?? []).some((run) => leafMatches(run, needles));
  }
  return walk(parsed, needles);
}
