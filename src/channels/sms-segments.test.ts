import { describe, expect, it } from 'vitest';
import { smsKeyword, smsSegments } from './sms-segments.js';

// Segment sizes from 3GPP TS 23.038 / 23.040 as carriers bill them (Twilio's segment calculator
// gives the same counts): GSM-7 160 single / 153 concatenated, UCS-2 70 / 67.
describe('smsSegments', () => {
  it.each([
    ['a'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(161), 'GSM-7', 161, 2],
    ['a'.repeat(306), 'GSM-7', 306, 2],
    ['a'.repeat(307), 'GSM-7', 307, 3],
    ['€'.repeat(80), 'GSM-7', 160, 1],
    ['€'.repeat(81), 'GSM-7', 162, 2],
    ['é'.repeat(70) + 'ç', 'UCS-2', 71, 2],
    ['ü'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(69) + 'ł', 'UCS-2', 70, 1],
    ['a'.repeat(70) + 'ł', 'UCS-2', 71, 2],
    ['a'.repeat(133) + 'ł', 'UCS-2', 134, 2],
    ['a'.repeat(134) + 'ł', 'UCS-2', 135, 3],
    ['Hi 😀', 'UCS-2', 5, 1],
  ] as const)('%#: %s.length chars → %s, %i units, %i segments', (text, encoding, units, segments) => {
    expect(smsSegments(text)).toMatchObject({ encoding, units, segments });
  });

  it('reports what is left in the last segment and counts an empty text as nothing', () => {
    expect(smsSegments('Hello!')).toEqual({ encoding: 'GSM-7', units: 6, segments: 1, remaining: 154 });
    expect(smsSegments('a'.repeat(200))).toMatchObject({ segments: 2, remaining: 106 });
    expect(smsSegments('')).toMatchObject({ segments: 0 });
  });
});

describe('smsKeyword', () => {
  it('recognises STOP and START words alone, in any case, and nothing else', () => {
    expect(smsKeyword(' stop ')).toBe('stop');
    expect(smsKeyword('Unsubscribe.')).toBe('stop');
    expect(smsKeyword('START')).toBe('start');
    expect(smsKeyword('unstop')).toBe('start');
    expect(smsKeyword('please stop sending')).toBeUndefined();
    expect(smsKeyword('')).toBeUndefined();
  });
});
