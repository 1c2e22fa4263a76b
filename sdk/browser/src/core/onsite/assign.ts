import { bucketRanges, chooseVariant, hashBucket } from '../../../../../src/experiments/hash.js';
import type { CompiledCampaign } from '../types.js';

/*
 * Variant and holdout assignment with the experiments module's own hashing (the same source file,
 * bundled), so the browser, the server and src/experiments/assignment-cases.json agree. The
 * holdout owns the first slice of the bucket line, [0, holdout); the variants share the rest in
 * proportion to their weights, laid out by bucketRanges like any experiment's variants.
 */
export interface Assignment {
  /** The variant key; for the holdout, the variant the visitor would have seen. */
  variant: string;
  holdout: boolean;
  bucket: number;
}

/** Bucket and variant index for raw weights and traffic: the assignment-cases.json vector shape. */
export function assignVector(seed: string, unit: string, weights: number[], traffic: number): { bucket: number; variant: number } {
  const bucket = hashBucket(seed, unit, 2);
  return { bucket, variant: chooseVariant(bucket, bucketRanges(weights, traffic)) };
}

/** A visitor's variant of a campaign; the would-be variant of a held-out visitor is hashed with a second seed. */
export function assign(campaign: CompiledCampaign, unit: string): Assignment | undefined {
  const variants = campaign.variants;
  if (variants.length === 0) return undefined;
  const raw = variants.map((variant) => Math.max(0, variant.weight));
  const sum = raw.reduce((total, weight) => total + weight, 0);
  const shares = raw.map((weight) => (sum > 0 ? weight / sum : 1 / raw.length));
  const holdout = Math.min(1, Math.max(0, campaign.holdout || 0));
  const seed = campaign.salt || campaign.id;
  const { bucket, variant } = assignVector(seed, unit, [holdout, ...shares.map((share) => share * (1 - holdout))], 1);
  if (variant !== 0) {
    // -1 is only a floating-point gap at the very top of the line: it belongs to the last variant.
    const index = variant > 0 ? variant - 1 : variants.length - 1;
    return { variant: variants[index]?.key ?? '', holdout: false, bucket };
  }
  // Held out: which variant it would have been comes from a second, independent hash.
  const would = assignVector(`${seed}:holdout`, unit, shares, 1).variant;
  return { variant: variants[Math.max(0, would)]?.key ?? '', holdout: true, bucket };
}
