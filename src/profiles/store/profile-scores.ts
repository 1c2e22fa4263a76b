import type { Tx } from '../../storage/database.js';

export type ScoreValue = number | string | boolean | null;

export interface ScoreRow {
  profileId: string;
  key: string;
  value: ScoreValue;
}

/** Rows per statement: stays under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const CHUNK = 2000;

/**
 * Writes scores (insert or replace per profile and key) and returns the previous value of each
 * row that existed, so callers can tell what changed.
 * @example await upsertProfileScores(trx, 'ws', [{ profileId: 'p1', key: 'churn_risk', value: 0.2 }], 'predictive:bgnbd', now);
 */
export async function upsertProfileScores(db: Tx, workspaceId: string, rows: readonly ScoreRow[], source: string, now: number): Promise<Map<string, ScoreValue>> {
  const previous = new Map<string, ScoreValue>();
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const existing = await db
      .selectFrom('profile_scores')
      .select(['profile_id', 'key', 'value'])
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', [...new Set(chunk.map((row) => row.profileId))])
      .where('key', 'in', [...new Set(chunk.map((row) => row.key))])
      .execute();
    for (const row of existing) previous.set(scoreId(row.profile_id, row.key), JSON.parse(row.value) as ScoreValue);
    await db
      .insertInto('profile_scores')
      .values(chunk.map((row) => ({ workspace_id: workspaceId, profile_id: row.profileId, key: row.key, value: JSON.stringify(row.value), source, computed_at: now })))
      .onConflict((conflict) =>
        conflict.columns(['workspace_id', 'profile_id', 'key']).doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          source: eb.ref('excluded.source'),
          computed_at: eb.ref('excluded.computed_at'),
        })),
      )
      .execute();
  }
  return previous;
}

/** The key of a (profile, score) pair in the maps these functions return. */
export function scoreId(profileId: string, key: string): string {
  return `${profileId}\u0000${key}`;
}

/**
 * Every score of the given profiles, keyed by profile id.
 * @example const scores = await readProfileScores(db, 'ws', ['p1']); scores.get('p1')?.churn_risk;
 */
export async function readProfileScores(db: Tx, workspaceId: string, profileIds: readonly string[]): Promise<Map<string, Record<string, ScoreValue>>> {
  const result = new Map<string, Record<string, ScoreValue>>();
  for (let start = 0; start < profileIds.length; start += CHUNK) {
    const rows = await db
      .selectFrom('profile_scores')
      .select(['profile_id', 'key', 'value'])
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', profileIds.slice(start, start + CHUNK))
      .execute();
    for (const row of rows) {
      const scores = result.get(row.profile_id) ?? {};
      scores[row.key] = JSON.parse(row.value) as ScoreValue;
      result.set(row.profile_id, scores);
    }
  }
  return result;
}

/** Every profile's value of one score (for segment backfills and reports). */
export async function readScoreByKey(db: Tx, workspaceId: string, key: string): Promise<Map<string, ScoreValue>> {
  const rows = await db.selectFrom('profile_scores').select(['profile_id', 'value']).where('workspace_id', '=', workspaceId).where('key', '=', key).execute();
  return new Map(rows.map((row): [string, ScoreValue] => [row.profile_id, JSON.parse(row.value) as ScoreValue]));
}

/** Removes scores: all of a profile's (erasure) or one key for everyone (a model retired). */
export async function deleteProfileScores(db: Tx, workspaceId: string, filter: { profileId: string } | { key: string }): Promise<number> {
  let query = db.deleteFrom('profile_scores').where('workspace_id', '=', workspaceId);
  query = 'profileId' in filter ? query.where('profile_id', '=', filter.profileId) : query.where('key', '=', filter.key);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
