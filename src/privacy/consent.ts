import type { ChannelName } from '../channels/index.js';

/*
 * The consent decision, pure: given what is known about a person and an address, may this
 * message go out? Checked at send time for every message.
 */

export type Purpose = 'marketing' | 'transactional';
export type ConsentStatus = 'subscribed' | 'unsubscribed' | 'pending';

/** One entry of the consent ledger (a change, with where and when it came from). */
export interface ConsentChange {
  channel: string;
  /** `all` for the channel as a whole, else a topic such as `newsletter` or `promotions`. */
  topic: string;
  status: ConsentStatus;
  source: string;
  at: number;
}

export interface ConsentFacts {
  channel: ChannelName;
  purpose: Purpose;
  /** The topic of this send (marketing sends may name one). */
  topic?: string | undefined;
  /** The profile's channel consent as events set it (traits, `Subscribed`/`Unsubscribed`). */
  profileConsent: { status: 'subscribed' | 'unsubscribed' | 'unknown'; at: number | null } | undefined;
  /** The ledger for this person, any order. */
  ledger: readonly ConsentChange[];
  /** Why the address is on the suppression list, if it is. */
  suppressedFor: string | undefined;
  /** Email marketing needs a confirmed (double) opt-in. */
  emailDoubleOptIn: boolean;
}

export type ConsentDecision = { allowed: true } | { allowed: false; reason: string };

/** Suppression reasons that stop even transactional mail: the address does not work or complained. */
const hardSuppressions = new Set(['bounced', 'complained']);

function latest(ledger: readonly ConsentChange[], channel: string, topic: string): ConsentChange | undefined {
  let found: ConsentChange | undefined;
  for (const change of ledger) {
    if (change.channel !== channel || change.topic !== topic) continue;
    if (found === undefined || change.at >= found.at) found = change;
  }
  return found;
}

/**
 * Decides whether a send may go out, and if not, the reason recorded on the message
 * (`suppressed:bounced`, `no_consent:sms`, `consent_pending:email`, `no_consent:email:promotions`).
 * Email is opt-out (unknown consent may receive marketing) unless double opt-in is required;
 * SMS and push are opt-in. Transactional messages ignore marketing consent but not a bounce or
 * a complaint.
 * @example decideConsent({ channel: 'sms', purpose: 'marketing', profileConsent: undefined, ledger: [], suppressedFor: undefined, emailDoubleOptIn: false })
 * // { allowed: false, reason: 'no_consent:sms' }
 */
export function decideConsent(facts: ConsentFacts): ConsentDecision {
  const { channel } = facts;
  if (facts.suppressedFor !== undefined) {
    if (hardSuppressions.has(facts.suppressedFor) || facts.purpose === 'marketing') return { allowed: false, reason: `suppressed:${facts.suppressedFor}` };
  }
  if (facts.purpose === 'transactional') return { allowed: true };
  if (channel === 'webhook') return { allowed: true };

  let status: 'subscribed' | 'unsubscribed' | 'pending' | 'unknown' = 'unknown';
  let at = Number.NEGATIVE_INFINITY;
  if (facts.profileConsent !== undefined && facts.profileConsent.status !== 'unknown') {
    status = facts.profileConsent.status;
    at = facts.profileConsent.at ?? Number.NEGATIVE_INFINITY;
  }
  const recorded = latest(facts.ledger, channel, 'all');
  if (recorded !== undefined && recorded.at >= at) status = recorded.status;

  if (channel !== 'inbox') {
    if (status === 'unsubscribed') return { allowed: false, reason: `no_consent:${channel}` };
    if (status === 'pending') return { allowed: false, reason: `consent_pending:${channel}` };
    const optIn = channel === 'sms' || channel === 'push' || (channel === 'email' && facts.emailDoubleOptIn);
    if (optIn && status !== 'subscribed') return { allowed: false, reason: `no_consent:${channel}` };
  }
  if (facts.topic !== undefined && facts.topic !== 'all') {
    const topic = latest(facts.ledger, channel, facts.topic);
    if (topic?.status === 'unsubscribed') return { allowed: false, reason: `no_consent:${channel}:${facts.topic}` };
  }
  return { allowed: true };
}

/**
 * A person's current preferences per channel and topic, from the ledger (latest change wins).
 * @example currentPreferences(ledger) // { email: { all: 'subscribed', promotions: 'unsubscribed' } }
 */
export function currentPreferences(ledger: readonly ConsentChange[]): Record<string, Record<string, ConsentStatus>> {
  const result: Record<string, Record<string, ConsentStatus>> = {};
  const sorted = [...ledger].sort((a, b) => a.at - b.at);
  for (const change of sorted) {
    const channel = (result[change.channel] ??= {});
    channel[change.topic] = change.status;
  }
  return result;
}
