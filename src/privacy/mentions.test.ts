import { describe, expect, it } from 'vitest';
import { mentions, needlesOf } from './mentions.js';

const ann = needlesOf({
  workspaceId: 'ws',
  profileIds: ['prf_ann1'],
  identifiers: [
    { type: 'user_id', value: 'ann-42' },
    { type: 'email', value: 'ann.secret@example.com' },
    { type: 'phone', value: '+14155550199' },
  ],
});

describe('mentions', () => {
  it('finds the person in any field, whatever the case, spacing or phone spelling', () => {
    expect(mentions(JSON.stringify({ type: 'purchase', userId: ' Ann-42 ' }), ann)).toBe(true);
    expect(mentions(JSON.stringify({ traits: { contact: ['x', { mail: 'ANN.Secret@Example.com' }] } }), ann)).toBe(true);
    expect(mentions(JSON.stringify({ traits: { phone: '(415) 555-0199' } }), ann)).toBe(true);
    expect(mentions(JSON.stringify({ traits: { phone: '+1 415.555.0199' } }), ann)).toBe(true);
    expect(mentions(JSON.stringify({ properties: { profile_id: 'prf_ann1' } }), ann)).toBe(true);
  });

  it('does not flag other people, parts of values or short numbers', () => {
    expect(mentions(JSON.stringify({ userId: 'ann-420', traits: { email: 'zoe@example.com', phone: '+14155550198' } }), ann)).toBe(false);
    expect(mentions(JSON.stringify({ properties: { order: 5550199, note: 'ann' } }), ann)).toBe(false);
    expect(mentions('null', ann)).toBe(false);
  });

  it('searches a payload cut short (not JSON any more) as text', () => {
    expect(mentions('{"userId":"zoe","traits":{"email":"ann.secret@example.com","first', ann)).toBe(true);
    expect(mentions('{"userId":"zoe","traits":{"phone":"415 555 0199", "na', ann)).toBe(true);
    expect(mentions('{"userId":"zoe","traits":{"na', ann)).toBe(false);
  });
});
