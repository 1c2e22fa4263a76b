import type { Tx } from '../storage/database.js';
import { countSentWithTemplateVersions } from '../channels/index.js';
import { countExperimentsRun } from '../experiments/index.js';
import { countActiveJourneys } from '../journeys/index.js';
import { countSegments } from '../segments/index.js';
import { versionsFillingRecommendationSlots } from '../templates/index.js';

/** What a workspace actually does with its customers, from the state store (maturity reads it). */
export interface WorkspaceActivity {
  /** Messages sent from a template version that fills a recommendations slot. */
  recommendationSends: number;
  liveJourneys: number;
  segments: number;
  /** Experiments running or run to completion. */
  experiments: number;
}

/**
 * Counts the personalization a workspace has put to work: sends with recommendation slots,
 * live journeys, segments and experiments, each asked of the module that keeps it.
 * @example const activity = await readWorkspaceActivity(db, 'default');
 */
export async function readWorkspaceActivity(db: Tx, workspaceId: string): Promise<WorkspaceActivity> {
  const [recommendationSends, liveJourneys, segments, experiments] = await Promise.all([
    versionsFillingRecommendationSlots(db, workspaceId).then((versions) => countSentWithTemplateVersions(db, workspaceId, versions)),
    countActiveJourneys(db, workspaceId),
    countSegments(db, workspaceId),
    countExperimentsRun(db, workspaceId),
  ]);
  return { recommendationSends, liveJourneys, segments, experiments };
}
