/*
 * Attribution of conversions to on-site exposures, pure. A visitor (unit: anonymous id, or
 * user id when the event has none) is exposed by their first `Experience Viewed` of a campaign:
 * a real render in a variant, or `holdout: true` for the holdout that would have seen it. A
 * conversion counts click-through when it falls within the click window after the unit's first
 * `Experience Clicked`, else view-through within the view window after the first exposure.
 * Events must arrive in time order.
 */

export const HOLDOUT = 'holdout';

export interface ExperienceEvent {
  event: string;
  anonymousId: string | null;
  userId: string | null;
  timestamp: number;
  properties: unknown;
}

export interface AttributionCampaign {
  id: string;
  conversionEvent: string;
  viewWindowMs: number;
  clickWindowMs: number;
}

/** Totals of one arm (a variant, or the holdout) of one campaign. */
export interface ArmTotals {
  arm: string;
  /** Units exposed (holdout: units that would have seen it). */
  visitors: number;
  /** Experience Viewed events (every render, not only the first). */
  impressions: number;
  clickers: number;
  submitters: number;
  converters: number;
  viewThrough: number;
  clickThrough: number;
  revenue: number;
  /** Σ revenue² per unit, for the variance of revenue per visitor. */
  revenueSquares: number;
}

interface Unit {
  arm: string;
  viewedAt: number;
  clickedAt: number | null;
  submitted: boolean;
  converted: 'view' | 'click' | null;
  revenue: number;
}

function prop(properties: unknown, key: string): unknown {
  return typeof properties === 'object' && properties !== null && Object.hasOwn(properties, key) ? Reflect.get(properties, key) : undefined;
}

/** Revenue of an order event: `revenue`, else `total`, else `value`. */
export function revenueOf(properties: unknown): number {
  for (const key of ['revenue', 'total', 'value']) {
    const value = prop(properties, key);
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return 0;
}

/**
 * Streams events into per-campaign, per-arm totals.
 * @example const attribution = new Attribution([{ id: 'c1', conversionEvent: 'Order Completed', viewWindowMs: 864e5, clickWindowMs: 6048e5 }]); events.forEach((e) => attribution.add(e)); attribution.totals('c1');
 */
export class Attribution {
  private readonly campaigns = new Map<string, AttributionCampaign>();
  /** campaign id → unit key → unit. */
  private readonly units = new Map<string, Map<string, Unit>>();
  private readonly impressions = new Map<string, Map<string, number>>();
  /** user id → anonymous id seen together on an exposure, so later orders by user id match. */
  private readonly aliases = new Map<string, string>();

  constructor(campaigns: readonly AttributionCampaign[]) {
    for (const campaign of campaigns) {
      this.campaigns.set(campaign.id, campaign);
      this.units.set(campaign.id, new Map());
      this.impressions.set(campaign.id, new Map());
    }
  }

  /** The conversion events to read besides the Experience events. */
  conversionEvents(): string[] {
    return [...new Set([...this.campaigns.values()].map((campaign) => campaign.conversionEvent))];
  }

  add(event: ExperienceEvent): void {
    const key = event.anonymousId ?? (event.userId === null ? undefined : (this.aliases.get(event.userId) ?? event.userId));
    if (key === undefined) return;
    if (event.event.startsWith('Experience ')) this.experience(event, key);
    for (const campaign of this.campaigns.values()) {
      if (event.event === campaign.conversionEvent) this.conversion(campaign, event, key);
    }
  }

  private experience(event: ExperienceEvent, key: string): void {
    const campaignId = prop(event.properties, 'campaign_id');
    if (typeof campaignId !== 'string') return;
    const units = this.units.get(campaignId);
    const impressions = this.impressions.get(campaignId);
    if (units === undefined || impressions === undefined) return;
    const unit = units.get(key);
    if (event.event === 'Experience Viewed') {
      const variant = prop(event.properties, 'variant');
      const arm = prop(event.properties, 'holdout') === true ? HOLDOUT : typeof variant === 'string' ? variant : 'unknown';
      impressions.set(arm, (impressions.get(arm) ?? 0) + 1);
      if (event.userId !== null && event.anonymousId !== null) this.aliases.set(event.userId, event.anonymousId);
      if (unit === undefined) units.set(key, { arm, viewedAt: event.timestamp, clickedAt: null, submitted: false, converted: null, revenue: 0 });
      return;
    }
    if (unit === undefined) return;
    if (event.event === 'Experience Clicked' && unit.clickedAt === null) unit.clickedAt = event.timestamp;
    if (event.event === 'Experience Submitted') unit.submitted = true;
  }

  private conversion(campaign: AttributionCampaign, event: ExperienceEvent, key: string): void {
    const unit = this.units.get(campaign.id)?.get(key);
    if (unit === undefined) return;
    const clicked = unit.clickedAt !== null && event.timestamp >= unit.clickedAt && event.timestamp - unit.clickedAt < campaign.clickWindowMs;
    const viewed = event.timestamp >= unit.viewedAt && event.timestamp - unit.viewedAt < campaign.viewWindowMs;
    if (!clicked && !viewed) return;
    if (clicked) unit.converted = 'click';
    else if (unit.converted === null) unit.converted = 'view';
    unit.revenue += revenueOf(event.properties);
  }

  /** Totals per arm of one campaign, variants in first-seen order and the holdout last. */
  totals(campaignId: string): ArmTotals[] {
    const byArm = new Map<string, ArmTotals>();
    const arm = (name: string): ArmTotals => {
      let totals = byArm.get(name);
      if (totals === undefined) {
        totals = { arm: name, visitors: 0, impressions: 0, clickers: 0, submitters: 0, converters: 0, viewThrough: 0, clickThrough: 0, revenue: 0, revenueSquares: 0 };
        byArm.set(name, totals);
      }
      return totals;
    };
    for (const unit of this.units.get(campaignId)?.values() ?? []) {
      const totals = arm(unit.arm);
      totals.visitors++;
      if (unit.clickedAt !== null) totals.clickers++;
      if (unit.submitted) totals.submitters++;
      if (unit.converted !== null) totals.converters++;
      if (unit.converted === 'view') totals.viewThrough++;
      if (unit.converted === 'click') totals.clickThrough++;
      totals.revenue += unit.revenue;
      totals.revenueSquares += unit.revenue * unit.revenue;
    }
    for (const [name, count] of this.impressions.get(campaignId) ?? []) arm(name).impressions = count;
    return [...byArm.values()].sort((a, b) => Number(a.arm === HOLDOUT) - Number(b.arm === HOLDOUT));
  }
}
