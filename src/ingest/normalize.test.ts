import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, normalizeMessage, type ItemProblem, type NormalizeContext, type NormalizeResult } from './normalize.js';
import type { TrackingMessage } from './message.js';
import type { AppendRow } from '../log/store/event-log.js';

const RECEIVED = Date.parse('2024-05-01T12:00:00.000Z');

function ctx(extra: Partial<NormalizeContext> = {}): NormalizeContext {
  return { receivedAt: RECEIVED, partitions: 8, sourceId: 'src_1', ...extra };
}

function accepted(result: NormalizeResult): { message: TrackingMessage; row: AppendRow } {
  if (!result.ok) throw new Error(`expected the message to be accepted, got ${result.problem.code} at ${result.problem.field}: ${result.problem.message}`);
  return result;
}

function rejected(result: NormalizeResult): ItemProblem {
  if (result.ok) throw new Error(`expected a rejection, got an accepted ${result.message.type}`);
  return result.problem;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('normalizeMessage: validation', () => {
  // [what, raw item, code, field]; all sent as batch item 2 so the field carries the index.
  const cases: Array<[string, unknown, ItemProblem['code'], string]> = [
    ['a non-object item', 'track', 'invalid_message', 'batch[2]'],
    ['an array item', [1, 2], 'invalid_message', 'batch[2]'],
    ['no type', { userId: 'u1', event: 'X' }, 'invalid_type', 'batch[2].type'],
    ['an unknown type', { type: 'purchase', userId: 'u1' }, 'invalid_type', 'batch[2].type'],
    ['no userId or anonymousId', { type: 'track', event: 'X' }, 'no_user_anon_id', 'batch[2].userId'],
    ['null userId and no anonymousId', { type: 'identify', userId: null }, 'no_user_anon_id', 'batch[2].userId'],
    ['empty-string ids', { type: 'identify', userId: '', anonymousId: '' }, 'no_user_anon_id', 'batch[2].userId'],
    ['an object userId', { type: 'identify', userId: { id: 1 } }, 'invalid_field', 'batch[2].userId'],
    ['a boolean anonymousId', { type: 'identify', anonymousId: true }, 'invalid_field', 'batch[2].anonymousId'],
    ['a userId over 1024 characters', { type: 'identify', userId: 'u'.repeat(1025) }, 'invalid_field', 'batch[2].userId'],
    ['a track without event', { type: 'track', userId: 'u1' }, 'missing_event', 'batch[2].event'],
    ['a track with a blank event', { type: 'track', userId: 'u1', event: '  ' }, 'missing_event', 'batch[2].event'],
    ['a track with a numeric event', { type: 'track', userId: 'u1', event: 5 }, 'missing_event', 'batch[2].event'],
    ['an event name over 1024 characters', { type: 'track', userId: 'u1', event: 'e'.repeat(1025) }, 'invalid_field', 'batch[2].event'],
    ['an alias without previousId', { type: 'alias', userId: 'u1' }, 'missing_previous_id', 'batch[2].previousId'],
    ['an alias without userId', { type: 'alias', previousId: 'anon-1', anonymousId: 'anon-1' }, 'no_user_anon_id', 'batch[2].userId'],
    ['a group without groupId', { type: 'group', userId: 'u1', traits: {} }, 'missing_group_id', 'batch[2].groupId'],
    ['a group with an object groupId', { type: 'group', userId: 'u1', groupId: {} }, 'missing_group_id', 'batch[2].groupId'],
    ['a page with a numeric name', { type: 'page', userId: 'u1', name: 3 }, 'invalid_field', 'batch[2].name'],
    ['array properties', { type: 'track', userId: 'u1', event: 'X', properties: [1] }, 'invalid_field', 'batch[2].properties'],
    ['string traits', { type: 'identify', userId: 'u1', traits: 'vip' }, 'invalid_field', 'batch[2].traits'],
    ['a string context', { type: 'identify', userId: 'u1', context: 'web' }, 'invalid_field', 'batch[2].context'],
    ['array integrations', { type: 'identify', userId: 'u1', integrations: [] }, 'invalid_field', 'batch[2].integrations'],
    ['an object messageId', { type: 'identify', userId: 'u1', messageId: { id: 1 } }, 'invalid_message_id', 'batch[2].messageId'],
    ['a messageId of 101 characters', { type: 'identify', userId: 'u1', messageId: 'm'.repeat(101) }, 'invalid_message_id', 'batch[2].messageId'],
    ['an unparseable timestamp', { type: 'identify', userId: 'u1', timestamp: 'yesterday' }, 'invalid_timestamp', 'batch[2].timestamp'],
    ['an unparseable originalTimestamp', { type: 'identify', userId: 'u1', originalTimestamp: 'soon' }, 'invalid_timestamp', 'batch[2].originalTimestamp'],
    ['an unparseable sentAt', { type: 'identify', userId: 'u1', sentAt: 'now' }, 'invalid_timestamp', 'batch[2].sentAt'],
    ['a negative numeric timestamp', { type: 'identify', userId: 'u1', timestamp: -5 }, 'invalid_timestamp', 'batch[2].timestamp'],
    // PostgreSQL text cannot store U+0000; a NUL in a column value would fail the whole batch.
    ['a NUL in userId', { type: 'identify', userId: 'u\u00001' }, 'invalid_field', 'batch[2].userId'],
    ['a NUL in anonymousId', { type: 'identify', anonymousId: '\u0000' }, 'invalid_field', 'batch[2].anonymousId'],
    ['a NUL in the event name', { type: 'track', userId: 'u1', event: 'Order\u0000Completed' }, 'invalid_field', 'batch[2].event'],
    ['a NUL in a page name', { type: 'page', userId: 'u1', name: 'Home\u0000' }, 'invalid_field', 'batch[2].name'],
    ['a NUL in messageId', { type: 'identify', userId: 'u1', messageId: 'm\u00001' }, 'invalid_message_id', 'batch[2].messageId'],
  ];

  it.each(cases)('rejects %s', (_what, raw, code, field) => {
    const problem = rejected(normalizeMessage(raw, 2, ctx()));
    expect(problem.code).toBe(code);
    expect(problem.field).toBe(field);
    expect(problem.message.length).toBeGreaterThan(10);
  });

  it('names the rule in the message so a client knows what to fix', () => {
    expect(rejected(normalizeMessage({ type: 'track', userId: 'u1' }, 0, ctx())).message).toMatch(/track needs event/);
    expect(rejected(normalizeMessage({ type: 'track', event: 'X' }, 0, ctx())).message).toMatch(/userId or anonymousId/);
    expect(rejected(normalizeMessage({ type: 'alias', userId: 'u1' }, 0, ctx())).message).toMatch(/alias needs previousId/);
    expect(rejected(normalizeMessage({ type: 'group', userId: 'u1' }, 0, ctx())).message).toMatch(/group needs groupId/);
    expect(rejected(normalizeMessage({ type: 'identify', userId: 'u1', messageId: 'm'.repeat(101) }, 0, ctx())).message).toMatch(/at most 100 characters/);
  });

  it('gives fields without a batch prefix for a single call', () => {
    expect(rejected(normalizeMessage({ userId: 'u1' }, undefined, ctx({ pathType: 'track' })))).toMatchObject({ code: 'missing_event', field: 'event' });
    expect(rejected(normalizeMessage('x', undefined, ctx({ pathType: 'track' })))).toMatchObject({ code: 'invalid_message', field: 'body' });
  });

  it('takes the type from the path over the body', () => {
    const { message, row } = accepted(normalizeMessage({ type: 'identify', userId: 'u1', event: 'Signed Up' }, undefined, ctx({ pathType: 'track' })));
    expect(message.type).toBe('track');
    expect(row.type).toBe('track');
    expect(row.event).toBe('Signed Up');
  });

  it('accepts a messageId of exactly 100 characters and keeps it', () => {
    const id = 'm'.repeat(100);
    expect(accepted(normalizeMessage({ type: 'identify', userId: 'u1', messageId: id }, 0, ctx())).row.messageId).toBe(id);
  });

  it('accepts an alias identified only by previousId and userId, and a group by anonymousId', () => {
    const alias = accepted(normalizeMessage({ type: 'alias', previousId: 'anon-1', userId: 'u1' }, 0, ctx()));
    expect(alias.message).toMatchObject({ previousId: 'anon-1', userId: 'u1' });
    const group = accepted(normalizeMessage({ type: 'group', anonymousId: 'a1', groupId: 'g1' }, 0, ctx()));
    expect(group.message.groupId).toBe('g1');
  });
});

describe('normalizeMessage: identifiers', () => {
  it('converts numeric ids to strings', () => {
    const { message, row } = accepted(normalizeMessage({ type: 'group', userId: 42, anonymousId: 7, groupId: 99, messageId: 12345 }, 0, ctx()));
    expect(message.userId).toBe('42');
    expect(message.anonymousId).toBe('7');
    expect(message.groupId).toBe('99');
    expect(message.messageId).toBe('12345');
    expect(row).toMatchObject({ userId: '42', anonymousId: '7', messageId: '12345' });
    const alias = accepted(normalizeMessage({ type: 'alias', userId: 1, previousId: 2 }, 0, ctx()));
    expect(alias.message.previousId).toBe('2');
    expect(alias.message.userId).toBe('1');
  });

  it('treats userId: null as absent (browser anonymous events)', () => {
    const { message, row } = accepted(normalizeMessage({ type: 'page', userId: null, anonymousId: 'anon-9' }, 0, ctx()));
    expect('userId' in message).toBe(false);
    expect(message.anonymousId).toBe('anon-9');
    expect(row.userId).toBeNull();
    expect(row.anonymousId).toBe('anon-9');
  });

  it('generates a messageId when none is sent, a different one each time', () => {
    const first = accepted(normalizeMessage({ type: 'identify', userId: 'u1' }, 0, ctx()));
    const second = accepted(normalizeMessage({ type: 'identify', userId: 'u1', messageId: null }, 0, ctx()));
    expect(first.message.messageId).toMatch(/^rapport-[0-9a-f-]{36}$/);
    expect(second.message.messageId).toMatch(/^rapport-[0-9a-f-]{36}$/);
    expect(first.message.messageId).not.toBe(second.message.messageId);
    expect(first.row.messageId).toBe(first.message.messageId);
  });

  it('strips writeKey from the stored message', () => {
    const { message, row } = accepted(normalizeMessage({ type: 'track', userId: 'u1', event: 'X', writeKey: 'WK_SECRET' }, 0, ctx()));
    expect('writeKey' in message).toBe(false);
    expect(row.payload).not.toContain('WK_SECRET');
  });

  it('keeps unknown top-level fields (channel, _metadata) as sent', () => {
    const { message } = accepted(normalizeMessage({ type: 'track', userId: 'u1', event: 'X', channel: 'server', _metadata: { nodeVersion: '20' } }, 0, ctx()));
    expect(message.channel).toBe('server');
    expect(message._metadata).toEqual({ nodeVersion: '20' });
  });

  it('puts the same identity in the same partition, within range', () => {
    const a = accepted(normalizeMessage({ type: 'track', userId: 'u-77', event: 'X' }, 0, ctx())).row.partition;
    const b = accepted(normalizeMessage({ type: 'identify', userId: 'u-77' }, 0, ctx())).row.partition;
    expect(a).toBe(b);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(8);
  });
});

describe('normalizeMessage: batch-level context and integrations', () => {
  it('merges batch context and integrations into each item, the item winning per key', () => {
    const { message } = accepted(
      normalizeMessage(
        {
          type: 'track',
          userId: 'u1',
          event: 'X',
          context: { locale: 'fr-FR', library: { name: 'item-lib' } },
          integrations: { Mixpanel: false },
        },
        0,
        ctx({
          batchContext: { locale: 'en-US', timezone: 'Europe/Paris', library: { name: 'batch-lib' } },
          batchIntegrations: { All: true, Mixpanel: true },
        }),
      ),
    );
    expect(message.context).toEqual({ locale: 'fr-FR', timezone: 'Europe/Paris', library: { name: 'item-lib' } });
    expect(message.integrations).toEqual({ All: true, Mixpanel: false });
  });

  it('uses the batch context alone when the item has none', () => {
    const { message } = accepted(normalizeMessage({ type: 'identify', userId: 'u1' }, 0, ctx({ batchContext: { ip: '10.0.0.1' } })));
    expect(message.context).toEqual({ ip: '10.0.0.1' });
  });

  it('fills context.ip for browser calls and for context.direct, never over a sent ip', () => {
    const browser = accepted(normalizeMessage({ type: 'page', anonymousId: 'a' }, undefined, ctx({ ip: '192.0.2.1', fillIp: true })));
    expect(browser.message.context.ip).toBe('192.0.2.1');
    const server = accepted(normalizeMessage({ type: 'page', anonymousId: 'a' }, undefined, ctx({ ip: '192.0.2.1' })));
    expect(server.message.context.ip).toBeUndefined();
    const direct = accepted(normalizeMessage({ type: 'page', anonymousId: 'a', context: { direct: true } }, undefined, ctx({ ip: '192.0.2.1' })));
    expect(direct.message.context.ip).toBe('192.0.2.1');
    const sent = accepted(normalizeMessage({ type: 'page', anonymousId: 'a', context: { ip: '198.51.100.7' } }, undefined, ctx({ ip: '192.0.2.1', fillIp: true })));
    expect(sent.message.context.ip).toBe('198.51.100.7');
  });
});

describe('normalizeMessage: clock skew (spec §1.5)', () => {
  // A device clock 1 h behind: the event happened 5 s before the request was sent.
  const deviceEvent = Date.parse('2024-05-01T11:00:00.000Z');
  const deviceSent = deviceEvent + 5000;
  const corrected = RECEIVED - 5000;

  it('analytics-node: item timestamp plus batch-level sentAt', () => {
    const { message, row } = accepted(normalizeMessage({ type: 'track', userId: 'u1', event: 'X', timestamp: iso(deviceEvent) }, 0, ctx({ batchSentAt: iso(deviceSent) })));
    expect(message.timestamp).toBe(iso(corrected));
    expect(message.originalTimestamp).toBe(iso(deviceEvent));
    expect(message.sentAt).toBe(iso(deviceSent));
    expect(message.receivedAt).toBe(iso(RECEIVED));
    expect(row.timestamp).toBe(corrected);
    expect(row.receivedAt).toBe(RECEIVED);
  });

  it('rudder: originalTimestamp plus the item sentAt, which wins over the batch sentAt', () => {
    const { message } = accepted(
      normalizeMessage({ type: 'track', userId: 'u1', event: 'X', originalTimestamp: iso(deviceEvent), sentAt: iso(deviceSent) }, 0, ctx({ batchSentAt: iso(deviceSent + 60_000) })),
    );
    expect(message.timestamp).toBe(iso(corrected));
    expect(message.originalTimestamp).toBe(iso(deviceEvent));
    expect(message.sentAt).toBe(iso(deviceSent));
  });

  it('rudder with an explicit timestamp: the explicit timestamp is the event time, uncorrected', () => {
    const historical = Date.parse('2020-01-15T08:30:00.000Z');
    const { message, row } = accepted(
      normalizeMessage({ type: 'track', userId: 'u1', event: 'X', timestamp: iso(historical), originalTimestamp: iso(deviceEvent), sentAt: iso(deviceSent) }, 0, ctx()),
    );
    expect(message.timestamp).toBe(iso(historical));
    expect(row.timestamp).toBe(historical);
    expect(message.originalTimestamp).toBe(iso(deviceEvent));
  });

  it('without sentAt keeps originalTimestamp as the event time', () => {
    const { message } = accepted(normalizeMessage({ type: 'track', userId: 'u1', event: 'X', originalTimestamp: iso(deviceEvent) }, 0, ctx()));
    expect(message.timestamp).toBe(iso(deviceEvent));
    expect(message.originalTimestamp).toBe(iso(deviceEvent));
    expect(message.sentAt).toBeUndefined();
  });

  it('without sentAt keeps an explicit timestamp (historical import over the HTTP API)', () => {
    const historical = Date.parse('2019-03-01T00:00:00.000Z');
    const { message } = accepted(normalizeMessage({ type: 'identify', userId: 'u1', timestamp: iso(historical) }, 0, ctx()));
    expect(message.timestamp).toBe(iso(historical));
    expect(message.originalTimestamp).toBe(iso(historical));
  });

  it('without any client time uses receivedAt', () => {
    const { message, row } = accepted(normalizeMessage({ type: 'identify', userId: 'u1' }, 0, ctx({ batchSentAt: iso(deviceSent) })));
    expect(message.timestamp).toBe(iso(RECEIVED));
    expect(row.timestamp).toBe(RECEIVED);
    expect(message.originalTimestamp).toBeUndefined();
  });

  it('normalizes time zones to UTC ISO strings', () => {
    const { message } = accepted(normalizeMessage({ type: 'identify', userId: 'u1', timestamp: '2024-05-01T14:00:00+02:00' }, 0, ctx()));
    expect(message.timestamp).toBe('2024-05-01T12:00:00.000Z');
  });
});

describe('normalizeMessage: size', () => {
  const base = { type: 'track', userId: 'u1', event: 'X', messageId: 'm-size' };
  const overhead = (() => {
    const { row } = accepted(normalizeMessage({ ...base, properties: { pad: '' } }, 0, ctx()));
    return Buffer.byteLength(row.payload);
  })();

  it('accepts a message of exactly 32 KB as stored', () => {
    const { row } = accepted(normalizeMessage({ ...base, properties: { pad: 'x'.repeat(MAX_MESSAGE_BYTES - overhead) } }, 0, ctx()));
    expect(Buffer.byteLength(row.payload)).toBe(MAX_MESSAGE_BYTES);
  });

  it('rejects a message one byte over 32 KB', () => {
    const problem = rejected(normalizeMessage({ ...base, properties: { pad: 'x'.repeat(MAX_MESSAGE_BYTES - overhead + 1) } }, 4, ctx()));
    expect(problem).toMatchObject({ code: 'message_too_large', field: 'batch[4]' });
    expect(problem.message).toMatch(/32 KB/);
  });

  it('measures bytes, not characters', () => {
    // 'é' is two bytes in UTF-8: 20,000 characters are 40,000 bytes.
    const problem = rejected(normalizeMessage({ ...base, properties: { pad: 'é'.repeat(20_000) } }, undefined, ctx()));
    expect(problem).toMatchObject({ code: 'message_too_large', field: 'body' });
  });
});
