import { describe, expect, it } from 'vitest';
import type { TrackingMessage } from '../ingest/message.js';
import { IdentityGraph, type GraphProfile } from './graph.js';
import { extractIdentifiers, normalizeEmail, normalizeIdentifier, normalizePhone } from './identifiers.js';
import { profileIdFor, resolveIdentity, resolvePreviousId } from './resolve.js';
import { identityRules, type Identifier } from './rules.js';

const rules = identityRules({ externalIdTraits: { crm_id: 'crm_id' } });
const ws = 'w1';
const uid = (value: string): Identifier => ({ type: 'user_id', value });
const anon = (value: string): Identifier => ({ type: 'anonymous_id', value });
const email = (value: string): Identifier => ({ type: 'email', value });

function message(fields: Partial<TrackingMessage>): TrackingMessage {
  return { type: 'track', messageId: 'm', context: {}, timestamp: '2024-01-01T00:00:00.000Z', receivedAt: '2024-01-01T00:00:00.000Z', ...fields };
}

/** Resolves and applies one event against a graph, as the processor does. */
function step(graph: IdentityGraph, identifiers: Identifier[], time: number, messageId = `m${time}`) {
  const plan = resolveIdentity(rules, ws, identifiers, time, graph);
  graph.apply(plan, { messageId, time, reason: 'event' });
  return plan;
}

describe('normalization', () => {
  it('lower-cases and validates emails', () => {
    expect(normalizeEmail('  Ann@Shop.COM ')).toBe('ann@shop.com');
    expect(normalizeEmail('not-an-email')).toBeUndefined();
    expect(normalizeEmail('a b@c.de')).toBeUndefined();
  });

  it('normalizes phones to E.164 only when the country is known', () => {
    expect(normalizePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalizePhone('0044 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('020 7946 0958')).toBeUndefined();
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(normalizePhone('+1 123')).toBeUndefined();
  });

  it('drops blocked placeholder values in any case and blank values', () => {
    for (const junk of ['null', 'NULL', ' undefined ', 'anonymous', '0', '-1', 'NaN', 'none', 'N/A', 'unknown', '', '   ', 'test@test.com']) {
      expect(normalizeIdentifier(rules, junk.includes('@') ? 'email' : 'user_id', junk)).toBeUndefined();
    }
    expect(normalizeIdentifier(rules, 'user_id', 42)).toEqual(uid('42'));
  });

  it('honours extra blocked values of a workspace', () => {
    const custom = identityRules({ blockedValues: ['Guest-User'] });
    expect(normalizeIdentifier(custom, 'user_id', 'guest-user')).toBeUndefined();
    expect(normalizeIdentifier(custom, 'user_id', 'u1')).toEqual(uid('u1'));
  });
});

describe('extractIdentifiers', () => {
  it('reads ids, identify traits, context traits and external ids, sorted by priority', () => {
    const found = extractIdentifiers(
      rules,
      message({
        type: 'identify',
        userId: 'u1',
        anonymousId: 'a1',
        traits: { email: 'Ann@Shop.com', phone: '+14155552671', crm_id: 'C-9' },
        context: {
          traits: { email: 'second@shop.com' },
          externalIds: [
            { id: 'P-1', type: 'posCard' },
            { id: 'null', type: 'loyalty' },
          ],
        },
      }),
    );
    expect(found?.identifiers).toEqual([
      uid('u1'),
      { type: 'crm_id', value: 'C-9' },
      { type: 'pos_card', value: 'P-1' },
      email('ann@shop.com'),
      email('second@shop.com'),
      { type: 'phone', value: '+14155552671' },
      anon('a1'),
    ]);
  });

  it('ignores track properties and returns undefined for system events', () => {
    expect(extractIdentifiers(rules, message({ anonymousId: 'a1', properties: { email: 'x@y.com' } }))?.identifiers).toEqual([anon('a1')]);
    expect(extractIdentifiers(rules, message({ event: 'Price Dropped' }))).toBeUndefined();
    expect(extractIdentifiers(rules, message({ userId: 'null', anonymousId: 'anonymous' }))).toBeUndefined();
  });

  it('keeps the alias previousId aside for lookup', () => {
    const found = extractIdentifiers(rules, message({ type: 'alias', userId: 'u1', previousId: 'a1' }));
    expect(found).toEqual({ identifiers: [uid('u1')], previousId: 'a1' });
  });
});

describe('resolveIdentity', () => {
  it('creates a profile with a deterministic id from the highest-priority identifier', () => {
    const graph = new IdentityGraph([], []);
    const plan = step(graph, [anon('a1'), uid('u1')], 10);
    expect(plan.profileId).toBe(profileIdFor(ws, uid('u1')));
    expect(plan.created?.id).toBe(plan.profileId);
    expect(plan.attached).toEqual([uid('u1'), anon('a1')]);
    expect(graph.ownerOf(anon('a1'))?.id).toBe(plan.profileId);
  });

  it('merges an anonymous profile into the user profile on identify', () => {
    const graph = new IdentityGraph([], []);
    const anonymous = step(graph, [anon('a1')], 10).profileId;
    const plan = step(graph, [uid('u1'), anon('a1'), email('ann@shop.com')], 20);
    expect(plan.profileId).toBe(profileIdFor(ws, uid('u1')));
    expect(plan.merges).toEqual([{ from: anonymous, into: plan.profileId, via: anon('a1') }]);
    expect(graph.canonical(anonymous)).toBe(plan.profileId);
    expect(graph.profile(plan.profileId)?.createdAt).toBe(10);
  });

  it('attaches a new non-user identifier to the existing older profile without creating one', () => {
    const graph = new IdentityGraph([], []);
    const first = step(graph, [anon('a1')], 10).profileId;
    const plan = step(graph, [email('ann@shop.com'), anon('a1')], 20);
    expect(plan.created).toBeUndefined();
    expect(plan.profileId).toBe(first);
    expect(plan.merges).toEqual([]);
  });

  it('never merges two user ids: a shared device keeps both people apart', () => {
    const graph = new IdentityGraph([], []);
    const ann = step(graph, [uid('ann'), anon('device')], 10).profileId;
    const plan = step(graph, [uid('bob'), anon('device')], 20);
    expect(plan.profileId).toBe(profileIdFor(ws, uid('bob')));
    expect(plan.merges).toEqual([]);
    expect(plan.skipped).toEqual([{ identifier: anon('device'), reason: 'conflict', ownerId: ann }]);
    expect(graph.ownerOf(anon('device'))?.id).toBe(ann);
  });

  it('enforces the per-type maximum on attach', () => {
    const graph = new IdentityGraph([], []);
    const limited = identityRules({ types: { email: { maxPerProfile: 1 } } });
    const p1 = resolveIdentity(limited, ws, [uid('u1'), email('a@x.com')], 1, graph);
    graph.apply(p1, { messageId: 'm1', time: 1, reason: 'identify' });
    const p2 = resolveIdentity(limited, ws, [uid('u1'), email('b@x.com')], 2, graph);
    expect(p2.attached).toEqual([]);
    expect(p2.skipped).toEqual([{ identifier: email('b@x.com'), reason: 'limit' }]);
  });

  it('chooses the survivor independently of the order the profiles meet', () => {
    const build = (order: 'ab' | 'ba') => {
      const graph = new IdentityGraph([], []);
      step(graph, [anon('a')], 5);
      step(graph, [email('e@x.com')], 3);
      const ids = order === 'ab' ? [anon('a'), email('e@x.com')] : [email('e@x.com'), anon('a')];
      return step(graph, ids, 9).profileId;
    };
    expect(build('ab')).toBe(build('ba'));
    expect(build('ab')).toBe(profileIdFor(ws, email('e@x.com')));
  });

  it('resolves an alias previousId as a known user id first, else as an anonymous id', () => {
    const graph = new IdentityGraph([], []);
    step(graph, [uid('old')], 1);
    expect(resolvePreviousId('old', graph)).toEqual(uid('old'));
    expect(resolvePreviousId('a9', graph)).toEqual(anon('a9'));
  });

  it('keeps identifier types named like Object.prototype members (constructor, __proto__) as ordinary types', () => {
    // A workspace may name an external id type `constructor` and an event's externalIds may say
    // `__proto__`: the profile's ids must not answer with what a plain object inherits.
    const odd = (type: string, value: string): Identifier => ({ type, value });
    const graph = new IdentityGraph([], []);
    const anonymous = step(graph, [anon('a1'), odd('constructor', '1'), odd('__proto__', 'x')], 10).profileId;
    expect(graph.profile(anonymous)?.ids).toEqual(
      Object.fromEntries([
        ['constructor', ['1']],
        ['__proto__', ['x']],
      ]),
    );
    const plan = step(graph, [uid('u1'), anon('a1'), odd('toString', 't')], 20);
    expect(plan.merges).toEqual([{ from: anonymous, into: plan.profileId, via: anon('a1') }]);
    const ids = graph.profile(plan.profileId)?.ids ?? {};
    expect(Object.keys(ids).sort()).toEqual(['__proto__', 'constructor', 'toString', 'user_id']);
    expect(Object.getPrototypeOf(ids)).toBe(Object.prototype);
    expect(Object.hasOwn(ids, '__proto__') ? ids.__proto__ : undefined).toEqual(['x']);
  });

  it('follows merge chains: what was merged into a loser points to the survivor', () => {
    const profiles: GraphProfile[] = [
      { id: 'p1', createdAt: 1, ids: {}, mergedInto: 'p2' },
      { id: 'p2', createdAt: 2, ids: {}, mergedInto: null },
    ];
    const graph = new IdentityGraph([{ ...anon('a'), profileId: 'p1' }], profiles);
    const plan = step(graph, [uid('u'), anon('a')], 3);
    expect(plan.merges).toEqual([{ from: 'p2', into: profileIdFor(ws, uid('u')), via: anon('a') }]);
    expect(graph.canonical('p1')).toBe(plan.profileId);
  });
});
