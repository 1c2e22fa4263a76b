import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minorDigits, roundMoney, sumMoney, toMinor } from './money.js';

describe('money in minor units', () => {
  it('knows each currency’s digits from Intl', () => {
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('usd')).toBe(2);
    expect(minorDigits('KWD')).toBe(3);
    expect(minorDigits('XYZ')).toBe(2);
  });

  it('rounds per currency on output', () => {
    expect(roundMoney(96521.18999999983, 'USD')).toBe(96521.19);
    expect(roundMoney(1234.5, 'JPY')).toBe(1235);
    expect(roundMoney(1.23456, 'KWD')).toBe(1.235);
    expect(roundMoney(null, 'USD')).toBeNull();
    expect(roundMoney(Number.NaN, 'USD')).toBeNull();
    expect(toMinor(19.99, 'USD')).toBe(1999);
  });

  it('sums exactly: any list of cent amounts adds up to the sum of its cents', () => {
    expect(sumMoney([0.1, 0.2], 'USD')).toBe(0.3);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { maxLength: 300 }), (cents) => {
        const total = sumMoney(
          cents.map((c) => c / 100),
          'USD',
        );
        expect(total).toBe(Number((cents.reduce((sum, c) => sum + c, 0) / 100).toFixed(2)));
        expect(String(total)).toMatch(/^\d+(\.\d{1,2})?$/);
      }),
    );
  });
});
