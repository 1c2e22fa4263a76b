import { sql } from 'kysely';
import type { Tx } from '../../storage/database.js';

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
 * live journeys, segments and experiments.
 * @example const activity = await readWorkspaceActivity(db, 'default');
 */
export async function readWorkspaceActivity(db: Tx, workspaceId: string): Promise<WorkspaceActivity> {
  const [sends, journeys, segments, experiments] = await Promise.all([
    db
      .selectFrom('messages as m')
      .innerJoin('template_versions as v', (join) => join.onRef('v.workspace_id', '=', 'm.workspace_id').onRef('v.template_id', '=', 'm.template_id').onRef('v.version', '=', 'm.template_version'))
      .select((eb) => eb.fn.countAll().as('n'))
      .where('m.workspace_id', '=', workspaceId)
      .where('m.sent_at', 'is not', null)
      // The Liquid filter that fills a slot: `'cart_complements' | recommendations: 3`.
      .where(sql<boolean>`(v.content like ${'%| recommendations%'} or v.content like ${'%|recommendations%'})`)
      .executeTakeFirst(),
    db.selectFrom('journeys').select((eb) => eb.fn.countAll().as('n')).where('workspace_id', '=', workspaceId).where('status', '=', 'active').executeTakeFirst(),
    db.selectFrom('segments').select((eb) => eb.fn.countAll().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirst(),
    db.selectFrom('experiments').select((eb) => eb.fn.countAll().as('n')).where('workspace_id', '=', workspaceId).where('status', 'in', ['running', 'completed']).executeTakeFirst(),
  ]);
  return { recommendationSends: Number(sends?.n ?? 0), liveJourneys: Number(journeys?.n ?? 0), segments: Number(segments?.n ?? 0), experiments: Number(experiments?.n ?? 0) };
}
