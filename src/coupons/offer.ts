import { Type, type Static } from '@sinclair/typebox';
import { randomInt } from 'node:crypto';

/** What a code gives: a percentage, a fixed amount, or free shipping. */
export const OfferSchema = Type.Union([
  Type.Object({ type: Type.Literal('percent'), value: Type.Number({ exclusiveMinimum: 0, maximum: 100 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('fixed'), value: Type.Number({ exclusiveMinimum: 0 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('free_shipping') }, { additionalProperties: false }),
]);
export type Offer = Static<typeof OfferSchema>;

/** A tier applies when the profile score matches: `equals` a value, or at least `min`. */
export const TierSchema = Type.Object(
  {
    score: Type.String({ minLength: 1, description: 'A profile score key, e.g. rfm_group or predicted_clv' }),
    equals: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    min: Type.Optional(Type.Number()),
    offer: OfferSchema,
  },
  { additionalProperties: false },
);

/** How a pool decides the offer of each code it issues. */
export const OfferRuleSchema = Type.Union([
  Type.Object({ kind: Type.Literal('fixed'), offer: OfferSchema }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('tiers'), tiers: Type.Array(TierSchema, { minItems: 1, maxItems: 50 }), fallback: OfferSchema }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('mystery'),
      draws: Type.Array(Type.Object({ weight: Type.Number({ exclusiveMinimum: 0 }), offer: OfferSchema }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }),
    },
    { additionalProperties: false },
  ),
]);
export type OfferRule = Static<typeof OfferRuleSchema>;

export type ScoreValue = number | string | boolean | null;

/**
 * The offer for one person: a fixed offer, the first tier their scores match (first by
 * order of the tiers, so list the most valuable tier first), or a weighted draw.
 * `uniform` returns a number in [0, 1) (injected so draws are testable).
 * @example chooseOffer({ kind: 'mystery', draws: [{ weight: 3, offer: p15 }, { weight: 1, offer: p30 }] }, {}, () => 0.8) // p30
 */
export function chooseOffer(rule: OfferRule, scores: Readonly<Record<string, ScoreValue>>, uniform: () => number = secureUniform): Offer {
  switch (rule.kind) {
    case 'fixed':
      return rule.offer;
    case 'tiers': {
      for (const tier of rule.tiers) {
        const value = scores[tier.score];
        if (value === undefined || value === null) continue;
        if (tier.equals !== undefined && value === tier.equals) return tier.offer;
        if (tier.min !== undefined && typeof value === 'number' && value >= tier.min) return tier.offer;
      }
      return rule.fallback;
    }
    case 'mystery': {
      const total = rule.draws.reduce((sum, draw) => sum + draw.weight, 0);
      let point = uniform() * total;
      for (const draw of rule.draws) {
        point -= draw.weight;
        if (point < 0) return draw.offer;
      }
      const last = rule.draws[rule.draws.length - 1];
      if (last === undefined) throw new Error('a mystery rule needs at least one draw');
      return last.offer;
    }
  }
}

/** Uniform in [0, 1) from a cryptographic source; randomInt's range (max - min) must stay below 2^48. */
function secureUniform(): number {
  return randomInt(0, 2 ** 47) / 2 ** 47;
}

/** Unambiguous characters (no 0/O, 1/I/L): 31 symbols, about 4.95 bits each. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/**
 * A random code with the pool's prefix, from a cryptographic source: 12 symbols carry about
 * 59 bits, so guessing one valid code among a million issued takes about 2^39 tries.
 * @example generateCode('WINBACK-') // 'WINBACK-7KQ4M2ZP9XHD'
 */
export function generateCode(prefix: string, length = 12): string {
  let code = prefix;
  for (let i = 0; i < length; i++) code += ALPHABET[randomInt(0, ALPHABET.length)];
  return code;
}

/** How an offer reads in a message, e.g. `15% off`, `€10 off`, `free shipping`. */
export function describeOffer(offer: Offer, locale = 'en'): string {
  switch (offer.type) {
    case 'percent':
      return `${offer.value}% off`;
    case 'fixed':
      return `${new Intl.NumberFormat(locale, { style: 'currency', currency: offer.currency }).format(offer.value)} off`;
    case 'free_shipping':
      return 'free shipping';
  }
}
