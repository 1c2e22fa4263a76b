import { describe, expect, it } from 'vitest';
import { consentFailure, noProvider, reasonOf, reasonText } from './send-failure.js';

describe('send failure reasons', () => {
  it('store a scope after a colon and prose after a colon and a space, as the log has always shown them', () => {
    expect(reasonText({ code: 'no_profile' })).toBe('no_profile');
    expect(reasonText({ code: 'no_address', detail: 'sms' })).toBe('no_address:sms');
    expect(reasonText(noProvider('push'))).toBe('no_provider:push (configure it, see docs/modules/channels.md)');
    expect(reasonText({ code: 'provider_error', detail: '550 mailbox unknown' })).toBe('provider_error: 550 mailbox unknown');
  });

  it('read back into code and detail, multi-line details included', () => {
    expect(reasonOf('no_consent:email:promotions')).toEqual({ code: 'no_consent', detail: 'email:promotions' });
    expect(reasonOf('render_error: line 1\nline 2')).toEqual({ code: 'render_error', detail: 'line 1\nline 2' });
    expect(reasonOf('no_profile')).toEqual({ code: 'no_profile' });
    for (const failure of [consentFailure('suppressed:bounced'), { code: 'coupon_unavailable' as const, detail: 'no codes left' }]) expect(reasonOf(reasonText(failure))).toEqual(failure);
  });

  it('leave reasons that are not a send\u2019s (a provider bounce code) without a code', () => {
    expect(reasonOf('sms_undelivered:30003')).toBeUndefined();
    expect(reasonOf('Mailbox full')).toBeUndefined();
  });
});
