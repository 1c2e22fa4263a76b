import { describe, expect, it } from 'vitest';
import { currentPreferences, decideConsent, type ConsentChange, type ConsentFacts } from './consent.js';

const base: ConsentFacts = { channel: 'email', purpose: 'marketing', profileConsent: undefined, ledger: [], suppressedFor: undefined, emailDoubleOptIn: false };
const change = (status: ConsentChange['status'], at: number, topic = 'all', channel = 'email'): ConsentChange => ({ channel, topic, status, source: 'test', at });

describe('decideConsent', () => {
  it('treats email as opt-out and SMS and push as opt-in', () => {
    expect(decideConsent(base)).toEqual({ allowed: true });
    expect(decideConsent({ ...base, channel: 'sms' })).toEqual({ allowed: false, reason: 'no_consent:sms' });
    expect(decideConsent({ ...base, channel: 'push', profileConsent: { status: 'subscribed', at: 1 } })).toEqual({ allowed: true });
  });

  it('lets the most recent of the profile consent and the ledger decide', () => {
    expect(decideConsent({ ...base, profileConsent: { status: 'unsubscribed', at: 10 }, ledger: [change('subscribed', 20)] })).toEqual({ allowed: true });
    expect(decideConsent({ ...base, profileConsent: { status: 'unsubscribed', at: 30 }, ledger: [change('subscribed', 20)] })).toEqual({ allowed: false, reason: 'no_consent:email' });
  });

  it('needs a confirmed opt-in under double opt-in, and says when it is pending', () => {
    expect(decideConsent({ ...base, emailDoubleOptIn: true })).toEqual({ allowed: false, reason: 'no_consent:email' });
    expect(decideConsent({ ...base, emailDoubleOptIn: true, ledger: [change('pending', 5)] })).toEqual({ allowed: false, reason: 'consent_pending:email' });
    expect(decideConsent({ ...base, emailDoubleOptIn: true, ledger: [change('pending', 5), change('subscribed', 6)] })).toEqual({ allowed: true });
  });

  it('honours topic opt-outs for marketing only', () => {
    const ledger = [change('unsubscribed', 5, 'promotions')];
    expect(decideConsent({ ...base, topic: 'promotions', ledger })).toEqual({ allowed: false, reason: 'no_consent:email:promotions' });
    expect(decideConsent({ ...base, topic: 'newsletter', ledger })).toEqual({ allowed: true });
    expect(decideConsent({ ...base, topic: 'promotions', ledger, purpose: 'transactional' })).toEqual({ allowed: true });
  });

  it('lets transactional mail through an unsubscribe but never through a bounce or complaint', () => {
    expect(decideConsent({ ...base, purpose: 'transactional', profileConsent: { status: 'unsubscribed', at: 1 }, suppressedFor: 'unsubscribed' })).toEqual({ allowed: true });
    expect(decideConsent({ ...base, purpose: 'transactional', suppressedFor: 'bounced' })).toEqual({ allowed: false, reason: 'suppressed:bounced' });
    expect(decideConsent({ ...base, suppressedFor: 'complained' })).toEqual({ allowed: false, reason: 'suppressed:complained' });
  });
});

describe('currentPreferences', () => {
  it('keeps the latest change per channel and topic whatever the input order', () => {
    expect(currentPreferences([change('subscribed', 9, 'news'), change('unsubscribed', 3, 'news'), change('unsubscribed', 4), change('subscribed', 1, 'all', 'sms')])).toEqual({
      email: { news: 'subscribed', all: 'unsubscribed' },
      sms: { all: 'subscribed' },
    });
  });
});
