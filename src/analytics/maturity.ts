import type { WorkspaceActivity } from './workspace-activity.js';
import type { MaturitySignals } from './results.js';

/*
 * Digital maturity, pure: place the shop in the Egg, Caterpillar, Imago or Nirvana stage from what
 * it actually tracks and does (../shared/PRODUCT.md, "Use cases by digital maturity stage"), and
 * say what to do to reach the next stage.
 */

export const maturityStages = ['Egg', 'Caterpillar', 'Imago', 'Nirvana'] as const;
export type MaturityStage = (typeof maturityStages)[number];

export interface MaturityInput extends MaturitySignals {
  /** Runs of each analysis by this workspace (funnel, cohorts, rfm, attribution, kpis). */
  usage: Readonly<Record<string, number>>;
  /** Profiles carrying an RFM group score. */
  rfmScored: number;
  /** LTV : CAC of the last 90 days, null without ad spend. */
  ltvToCac: number | null;
  /** What the workspace does from the state store: sends with recommendations, live journeys, segments, experiments. */
  activity?: WorkspaceActivity;
}

export interface MaturityCriterion {
  stage: MaturityStage;
  key: string;
  label: string;
  met: boolean;
  /** What showed it met, in numbers (e.g. "120 messages with recommendations sent, 2 journeys live"). */
  evidence?: string;
  /** What to do when it is not met. */
  action: string;
}

export interface MaturityAssessment {
  stage: MaturityStage;
  /** null at Nirvana. */
  nextStage: MaturityStage | null;
  criteria: MaturityCriterion[];
  /** The unmet criteria of the next stage (and any gap left in the current one), as actions. */
  nextSteps: string[];
}

function criteria(input: MaturityInput): MaturityCriterion[] {
  const used = (analysis: string): boolean => (input.usage[analysis] ?? 0) > 0;
  // Personalization shows in tracked events (recommendation and on-site clicks) and in what the shop sends and runs.
  const activity = input.activity ?? { recommendationSends: 0, liveJourneys: 0, segments: 0, experiments: 0 };
  const personalization = [
    [input.personalizationEvents, 'personalization events tracked'],
    [activity.recommendationSends, 'messages with recommendations sent'],
    [activity.liveJourneys, 'journeys live'],
    [activity.experiments, 'experiments run'],
  ] as const;
  const personalizationEvidence = personalization.filter(([count]) => count > 0).map(([count, what]) => `${count} ${what}`);
  return [
    {
      stage: 'Egg',
      key: 'first_party_data',
      label: 'First-party identity captured (email or phone on profiles)',
      met: input.identifiedShare > 0,
      action: 'Capture emails and phone numbers: an email-capture popup (A/B test "$10 off" against "10% off") and identify calls at sign-up and checkout.',
    },
    {
      stage: 'Egg',
      key: 'transactions',
      label: 'Transactions tracked (Order Completed)',
      met: input.orders > 0,
      action: 'Send Order Completed events (or import POS and web orders with `rapport import orders`).',
    },
    {
      stage: 'Caterpillar',
      key: 'behaviour',
      label: 'Behaviour tracked (product views, lists, cart adds)',
      met: input.behaviourEvents > 0,
      action: 'Track Product Viewed, Product List Viewed, Product Added and Checkout Started from the site or app.',
    },
    {
      stage: 'Caterpillar',
      key: 'funnels',
      label: 'Funnel analysis used to find drop-offs',
      met: used('funnel'),
      action: 'Build a view → cart → checkout → order funnel and target the profiles who drop at each step.',
    },
    {
      stage: 'Caterpillar',
      key: 'two_channels',
      label: 'Customers reached on two or more channels',
      met: input.channels.length >= 2,
      action: 'Add a second channel (email or SMS) for cart abandoners and flash sales.',
    },
    {
      stage: 'Imago',
      key: 'rfm',
      label: 'RFM groups computed and stored on profiles',
      met: input.rfmScored > 0,
      action: 'Score RFM (write=true) and segment on rfm_group: reward Champions, win back At Risk and Cannot Lose Them.',
    },
    { stage: 'Imago', key: 'cohorts', label: 'Cohort analysis in use', met: used('cohorts'), action: 'Follow repeat purchases by first-purchase month to time replenishment reminders.' },
    {
      stage: 'Imago',
      key: 'personalization',
      label: 'Personalization in use (recommendations, on-site campaigns, experiments)',
      met: personalizationEvidence.length > 0,
      ...(personalizationEvidence.length > 0 ? { evidence: personalizationEvidence.join(', ') } : {}),
      action: 'Show personalized recommendations and on-site banners by traffic source and journey stage.',
    },
    {
      stage: 'Imago',
      key: 'omnichannel',
      label: 'Omnichannel: three or more channels',
      met: input.channels.length >= 3,
      action: 'Join web, app, email, SMS and push in one journey so each customer gets one conversation.',
    },
    {
      stage: 'Nirvana',
      key: 'ltv_cac',
      label: 'LTV well above CAC (3 or more)',
      met: input.ltvToCac !== null && input.ltvToCac >= 3,
      action: 'Raise LTV (loyalty, recommendations, win-back) and cut CAC (enter ad spend to measure it) until LTV is at least three times CAC.',
    },
  ];
}

/**
 * Assesses the shop's stage: the highest stage whose criteria, and those of every earlier
 * stage, are all met. A shop that meets none is an Egg (just online).
 * @example assessMaturity(input).stage // 'Caterpillar'
 */
export function assessMaturity(input: MaturityInput): MaturityAssessment {
  const list = criteria(input);
  let stage: MaturityStage = 'Egg';
  let complete = true;
  for (const candidate of maturityStages) {
    const met = list.filter((criterion) => criterion.stage === candidate).every((criterion) => criterion.met);
    if (!met) {
      complete = false;
      break;
    }
    stage = candidate;
  }
  const index = maturityStages.indexOf(stage);
  // Egg with unmet Egg criteria: the next steps are finishing Egg itself.
  const eggDone = list.filter((criterion) => criterion.stage === 'Egg').every((criterion) => criterion.met);
  const nextStage = complete ? null : (maturityStages[eggDone ? index + 1 : index] ?? null);
  const nextSteps = list.filter((criterion) => !criterion.met && (criterion.stage === nextStage || maturityStages.indexOf(criterion.stage) <= index)).map((criterion) => criterion.action);
  return { stage, nextStage, criteria: list, nextSteps };
}
