import { bucketRanges, chooseVariant, hashBucket } from '../experiments/index.js';
import type { DemoMessage } from './generator.js';
import type { Random } from './random.js';

/*
 * What the demo's shoppers do with the on-site campaigns, so the uplift report has numbers from
 * the real pipeline: each live session meets one live campaign, is assigned as the SDK assigns
 * (the experiments hash over the campaign's salt and the anonymous id; bucket 0 is the holdout),
 * and logs `Experience Viewed` (the holdout: "would have shown"), sometimes a click or a
 * submission. The effect is simulated from the uplifts the seed shop measured per template: a
 * holdout visitor's order is dropped with probability 1 − 1/(1 + uplift), so the shown visitors
 * convert that much more often. The report computes the uplift back from the events.
 */

/** The part of a compiled campaign the simulation reads (from GET /v1/onsite/config). */
export interface DemoCampaign {
  id: string;
  type: string;
  salt: string;
  holdout: number;
  variants: { key: string; weight: number }[];
  /** The campaign's first trigger type (what its exposures name). */
  trigger: string;
}

/** The conversion uplifts the seed shop reported per template (the table). */
export const SEED_UPLIFT: Readonly<Record<string, number>> = {
  hello_bar: 0.2,
  side_coupon: 0.24,
  popup: 0.35,
  floating_icon: 0.58,
  scratch_coupon: 0.3,
  free_shipping_bar: 0.36,
};
const CLICK_RATE = 0.12;
const SUBMIT_RATE = 0.25;
const CAPTURES = new Set(['popup', 'survey', 'side_coupon', 'scratch_coupon']);

/** The arm the SDK assigns: undefined for the holdout, else the variant key. */
export function armOf(campaign: DemoCampaign, anonymousId: string): string | undefined {
  const holdout = Math.min(Math.max(campaign.holdout, 0), 0.99);
  const total = campaign.variants.reduce((sum, variant) => sum + variant.weight, 0);
  const weights = [holdout, ...campaign.variants.map((variant) => (total > 0 ? (variant.weight / total) * (1 - holdout) : 0))];
  const index = chooseVariant(hashBucket(campaign.salt, anonymousId, 2), bucketRanges(weights, 1));
  return index <= 0 ? undefined : campaign.variants[index - 1]?.key;
}

/**
 * The session's messages with the on-site events of one campaign added (and, for the holdout,
 * possibly its order removed). Message ids derive from the session's first message id.
 */
export function withOnsite(messages: readonly DemoMessage[], campaigns: readonly DemoCampaign[], random: Random): DemoMessage[] {
  const first = messages[0];
  if (first === undefined || campaigns.length === 0 || first.anonymousId === undefined) return [...messages];
  const campaign = random.pick(campaigns);
  const arm = armOf(campaign, first.anonymousId);
  const at = (offsetMs: number) => new Date(Date.parse(first.timestamp) + offsetMs).toISOString();
  const base = { anonymousId: first.anonymousId, ...(first.userId === undefined ? {} : { userId: first.userId }) };
  const event = (name: string, offsetMs: number, properties: Record<string, unknown>): DemoMessage => ({
    ...base,
    type: 'track',
    event: name,
    messageId: `${first.messageId}-os-${name.split(' ')[1]?.toLowerCase() ?? 'x'}`,
    timestamp: at(offsetMs),
    properties: { campaign_id: campaign.id, campaign_type: campaign.type, ...properties },
  });
  if (arm === undefined) {
    const uplift = SEED_UPLIFT[campaign.type] ?? 0.2;
    const keepOrder = random.chance(1 / (1 + uplift));
    const kept = keepOrder ? messages : messages.filter((message) => message.event !== 'Order Completed');
    return [event('Experience Viewed', 2000, { variant: campaign.variants[0]?.key ?? 'holdout', trigger: campaign.trigger, holdout: true, would_have_shown: true }), ...kept];
  }
  const extra = [event('Experience Viewed', 2000, { variant: arm, trigger: campaign.trigger })];
  if (random.chance(CLICK_RATE)) extra.push(event('Experience Clicked', 6000, { variant: arm }));
  if (CAPTURES.has(campaign.type) && random.chance(SUBMIT_RATE)) extra.push(event('Experience Submitted', 9000, { variant: arm }));
  return [...extra, ...messages];
}

/** The compiled campaigns of a config body, as far as the simulation needs them. */
export function demoCampaigns(config: unknown): DemoCampaign[] {
  const list = typeof config === 'object' && config !== null && Object.hasOwn(config, 'campaigns') ? Reflect.get(config, 'campaigns') : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry: unknown): DemoCampaign[] => {
    if (typeof entry !== 'object' || entry === null) return [];
    const get = (key: string): unknown => (Object.hasOwn(entry, key) ? Reflect.get(entry, key) : undefined);
    const id = get('id');
    const type = get('type');
    const salt = get('salt');
    const holdout = get('holdout');
    const variants = get('variants');
    if (typeof id !== 'string' || typeof type !== 'string' || typeof salt !== 'string' || typeof holdout !== 'number' || !Array.isArray(variants)) return [];
    const keys = variants.flatMap((variant: unknown) => {
      if (typeof variant !== 'object' || variant === null) return [];
      const key = Reflect.get(variant, 'key');
      const weight = Reflect.get(variant, 'weight');
      return typeof key === 'string' && typeof weight === 'number' ? [{ key, weight }] : [];
    });
    const triggers = get('triggers');
    const first: unknown = Array.isArray(triggers) ? triggers[0] : undefined;
    const trigger = typeof first === 'object' && first !== null && Object.hasOwn(first, 'type') ? Reflect.get(first, 'type') : undefined;
    return [{ id, type, salt, holdout, variants: keys, trigger: typeof trigger === 'string' ? trigger : 'page_load' }];
  });
}
