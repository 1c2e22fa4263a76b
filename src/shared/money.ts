/*
 * Money as shops count it: whole minor units (cents, yen, fils). Sums are made in integer minor
 * units so 0.1 + 0.2 never becomes 0.30000000000000004, and amounts leave the API rounded to
 * their currency's digits (JPY 0, USD 2, KWD 3), as ISO 4217 and Intl know them.
 */

const digitsCache = new Map<string, number>();

/**
 * Decimal digits of a currency's minor unit; 2 for a code Intl does not know.
 * @example minorDigits('JPY') // 0
 */
export function minorDigits(currency: string): number {
  const code = currency.toUpperCase();
  let digits = digitsCache.get(code);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsCache.set(code, digits);
  }
  return digits;
}

/**
 * An amount in whole minor units of its currency.
 * @example toMinor(19.99, 'USD') // 1999
 */
export function toMinor(amount: number, currency: string): number {
  return Math.round(amount * 10 ** minorDigits(currency));
}

/**
 * An amount rounded to its currency's digits (null and non-finite values pass through as null).
 * @example roundMoney(96521.18999999983, 'USD') // 96521.19
 */
export function roundMoney(amount: number, currency: string): number;
export function roundMoney(amount: number | null, currency: string): number | null;
export function roundMoney(amount: number | null, currency: string): number | null {
  if (amount === null || !Number.isFinite(amount)) return null;
  const digits = minorDigits(currency);
  return Number((toMinor(amount, currency) / 10 ** digits).toFixed(digits));
}

/**
 * The exact sum of amounts, added in integer minor units.
 * @example sumMoney([0.1, 0.2], 'USD') // 0.3
 */
export function sumMoney(amounts: Iterable<number>, currency: string): number {
  let minor = 0;
  for (const amount of amounts) minor += toMinor(amount, currency);
  const digits = minorDigits(currency);
  return Number((minor / 10 ** digits).toFixed(digits));
}
