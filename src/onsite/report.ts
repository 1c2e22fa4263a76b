import { Type, type Static } from '@sinclair/typebox';
import { thompsonWeights, welchTTest, statisticOf, type Aggregate } from '../experiments/index.js';
import type { Clock } from '../shared/clock.js';
import { WidgetTypeSchema } from './campaign.js';
import { statusOf, type StoredCampaign } from './campaign-service.js';
import { Attribution, HOLDOUT, type ArmTotals, type ExperienceEvent } from './models/attribution.js';

const Rate = Type.Union([Type.Number(), Type.Null()]);
const ArmSchema = Type.Object({
  arm: Type.String({ description: 'A variant key, `holdout`, or `all` (every variant together)' }),
  visitors: Type.Integer(),
  impressions: Type.Integer(),
  clickers: Type.Integer(),
  ctr: Rate,
  submissions: Type.Integer(),
  conversions: Type.Integer(),
  viewThrough: Type.Integer(),
  clickThrough: Type.Integer(),
  conversionRate: Rate,
  revenue: Type.Number(),
  revenuePerVisitor: Rate,
});
export type ArmReport = Static<typeof ArmSchema>;

const UpliftSchema = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    estimate: Type.Number({ description: 'Relative: treatment / holdout − 1' }),
    ci: Type.Tuple([Type.Number(), Type.Number()]),
    pValue: Type.Number(),
    confidence: Type.Number(),
  }),
  Type.Object({ ok: Type.Literal(false), reason: Type.String(), message: Type.String() }),
]);
export type Uplift = Static<typeof UpliftSchema>;

const UpliftPairSchema = Type.Object({ conversionRate: UpliftSchema, revenuePerVisitor: UpliftSchema });

export const CampaignReportSchema = Type.Object({
  campaignId: Type.String(),
  name: Type.String(),
  type: WidgetTypeSchema,
  status: Type.String(),
  conversionEvent: Type.String(),
  windows: Type.Object({ viewThroughHours: Type.Number(), clickThroughHours: Type.Number() }),
  arms: Type.Array(ArmSchema),
  all: ArmSchema,
  holdout: Type.Union([ArmSchema, Type.Null()]),
  uplift: UpliftPairSchema,
});
export type CampaignReport = Static<typeof CampaignReportSchema>;

export const TypeReportSchema = Type.Object({ type: WidgetTypeSchema, campaigns: Type.Integer(), all: ArmSchema, holdout: Type.Union([ArmSchema, Type.Null()]), uplift: UpliftPairSchema });
export type TypeReport = Static<typeof TypeReportSchema>;

export const OnsiteReportSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  confidence: Type.Number(),
  campaigns: Type.Array(CampaignReportSchema),
  types: Type.Array(TypeReportSchema),
});
export type OnsiteReport = Static<typeof OnsiteReportSchema>;

/** Reads the log's track events with these names in [from, to), in time order, page by page. */
export type ExperienceScan = (workspaceId: string, events: readonly string[], from: number, to: number) => AsyncIterable<ExperienceEvent>;

/** The report's default period: the last 90 days. */
const DEFAULT_PERIOD_DAYS = 90;
const DEFAULT_VIEW_HOURS = 24;
const DEFAULT_CLICK_HOURS = 7 * 24;
const ALPHA = 0.05;
const HOUR = 3_600_000;

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

function armView(totals: ArmTotals): ArmReport {
  return {
    arm: totals.arm,
    visitors: totals.visitors,
    impressions: totals.impressions,
    clickers: totals.clickers,
    ctr: ratio(totals.clickers, totals.visitors),
    submissions: totals.submitters,
    conversions: totals.converters,
    viewThrough: totals.viewThrough,
    clickThrough: totals.clickThrough,
    conversionRate: ratio(totals.converters, totals.visitors),
    revenue: totals.revenue,
    revenuePerVisitor: ratio(totals.revenue, totals.visitors),
  };
}

/** Several arms as one (every variant together, or one template type's campaigns). */
export function sumArms(name: string, arms: readonly ArmTotals[]): ArmTotals {
  const total: ArmTotals = { arm: name, visitors: 0, impressions: 0, clickers: 0, submitters: 0, converters: 0, viewThrough: 0, clickThrough: 0, revenue: 0, revenueSquares: 0 };
  for (const arm of arms) {
    total.visitors += arm.visitors;
    total.impressions += arm.impressions;
    total.clickers += arm.clickers;
    total.submitters += arm.submitters;
    total.converters += arm.converters;
    total.viewThrough += arm.viewThrough;
    total.clickThrough += arm.clickThrough;
    total.revenue += arm.revenue;
    total.revenueSquares += arm.revenueSquares;
  }
  return total;
}

function compare(control: Aggregate, treatment: Aggregate): Uplift {
  const a = statisticOf(control);
  const b = statisticOf(treatment);
  if (a === undefined || b === undefined) return { ok: false, reason: 'empty_variant', message: `no visitors yet (holdout ${control.n}, shown ${treatment.n})` };
  const test = welchTTest(a, b, { alpha: ALPHA, difference: 'relative' });
  if (!test.ok) return { ok: false, reason: test.reason, message: test.message };
  return { ok: true, estimate: test.estimate, ci: test.ci, pValue: test.pValue, confidence: 1 - ALPHA };
}

/**
 * Uplift of the shown visitors over the holdout, relative, with a 95% Welch interval (delta
 * method), from the experiments module's statistics: conversion rate and revenue per visitor.
 */
export function upliftOf(all: ArmTotals, holdout: ArmTotals | undefined): { conversionRate: Uplift; revenuePerVisitor: Uplift } {
  if (holdout === undefined || holdout.visitors === 0) {
    const none: Uplift = { ok: false, reason: 'no_holdout', message: 'the campaign has no holdout exposures; give it a holdout share to measure uplift' };
    return { conversionRate: none, revenuePerVisitor: none };
  }
  return {
    conversionRate: compare({ kind: 'proportion', n: holdout.visitors, sum: holdout.converters }, { kind: 'proportion', n: all.visitors, sum: all.converters }),
    revenuePerVisitor: compare(
      { kind: 'mean', n: holdout.visitors, sum: holdout.revenue, sumSquares: holdout.revenueSquares },
      { kind: 'mean', n: all.visitors, sum: all.revenue, sumSquares: all.revenueSquares },
    ),
  };
}

/**
 * The on-site report: per campaign and per template type, impressions, CTR, submissions,
 * conversions (view- and click-through), revenue per visitor and uplift against the holdout.
 * @example const report = await reports.report('ws', campaigns, { from, to });
 */
export class OnsiteReports {
  constructor(private readonly deps: { clock: Clock; scan: ExperienceScan }) {}

  async report(workspaceId: string, campaigns: readonly StoredCampaign[], options: { from?: number; to?: number; viewHours?: number; clickHours?: number } = {}): Promise<OnsiteReport> {
    const to = options.to ?? this.deps.clock.now() + 1;
    const from = options.from ?? to - DEFAULT_PERIOD_DAYS * 24 * HOUR;
    const windows = campaigns.map((campaign) => ({
      campaign,
      viewHours: options.viewHours ?? campaign.definition.conversion?.windowHours ?? DEFAULT_VIEW_HOURS,
      clickHours: options.clickHours ?? Math.max(DEFAULT_CLICK_HOURS, campaign.definition.conversion?.windowHours ?? 0),
      conversionEvent: campaign.definition.conversion?.event ?? 'Order Completed',
    }));
    const attribution = new Attribution(
      windows.map((entry) => ({ id: entry.campaign.id, conversionEvent: entry.conversionEvent, viewWindowMs: entry.viewHours * HOUR, clickWindowMs: entry.clickHours * HOUR })),
    );
    if (campaigns.length > 0) {
      const longest = Math.max(...windows.map((entry) => Math.max(entry.viewHours, entry.clickHours))) * HOUR;
      const names = ['Experience Viewed', 'Experience Clicked', 'Experience Submitted', ...attribution.conversionEvents()];
      for await (const event of this.deps.scan(workspaceId, names, from, Math.min(to + longest, this.deps.clock.now() + 1))) {
        // Exposures after `to` are outside the period; conversions after it may still complete a window.
        if (event.event.startsWith('Experience ') && event.timestamp >= to) continue;
        attribution.add(event);
      }
    }
    const now = this.deps.clock.now();
    const perCampaign = windows.map((entry) => {
      const arms = attribution.totals(entry.campaign.id);
      const variants = arms.filter((arm) => arm.arm !== HOLDOUT);
      return { entry, arms, all: sumArms('all', variants), holdout: arms.find((arm) => arm.arm === HOLDOUT) };
    });
    const campaignReports: CampaignReport[] = perCampaign.map(({ entry, arms, all, holdout }) => ({
      campaignId: entry.campaign.id,
      name: entry.campaign.definition.name,
      type: entry.campaign.definition.type,
      status: statusOf(entry.campaign, now),
      conversionEvent: entry.conversionEvent,
      windows: { viewThroughHours: entry.viewHours, clickThroughHours: entry.clickHours },
      arms: arms.map(armView),
      all: armView(all),
      holdout: holdout === undefined ? null : armView(holdout),
      uplift: upliftOf(all, holdout),
    }));
    const types = [...new Set(campaigns.map((campaign) => campaign.definition.type))].map((type): TypeReport => {
      const members = perCampaign.filter(({ entry }) => entry.campaign.definition.type === type);
      const all = sumArms(
        'all',
        members.map((member) => member.all),
      );
      const holdouts = members.flatMap((member) => (member.holdout === undefined ? [] : [member.holdout]));
      const holdout = holdouts.length === 0 ? undefined : sumArms(HOLDOUT, holdouts);
      return { type, campaigns: members.length, all: armView(all), holdout: holdout === undefined ? null : armView(holdout), uplift: upliftOf(all, holdout) };
    });
    return { from: new Date(from).toISOString(), to: new Date(Math.min(to, now)).toISOString(), confidence: 1 - ALPHA, campaigns: campaignReports, types };
  }
}

/** The least weight a losing variant keeps, so its posterior still learns. */
const MIN_WEIGHT = 0.05;

/**
 * Thompson-sampling weights for the campaign's variants (the experiments module's bandit) from
 * its report: each variant's share is its posterior chance of converting best; the holdout is not
 * an arm. Weights are rounded to 4 digits and never 0.
 * @example banditWeights(['a', 'b'], report.arms) // [0.05, 0.95]
 */
export function banditWeights(variants: readonly string[], arms: readonly ArmReport[]): number[] {
  const byArm = new Map(arms.map((arm) => [arm.arm, arm]));
  const weights = thompsonWeights(
    variants.map((key) => ({ n: byArm.get(key)?.visitors ?? 0, conversions: byArm.get(key)?.conversions ?? 0 })),
    { minWeight: MIN_WEIGHT, seed: 1 },
  );
  return weights.map((weight) => Math.max(0.0001, Math.round(weight * 10_000) / 10_000));
}
