import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { readProfileScores, scoreId, upsertProfileScores, type ScoreRow, type ScoreValue } from './store/profile-scores.js';

export type { ScoreRow, ScoreValue } from './store/profile-scores.js';

/** One score whose value changed in a write. `previous` is undefined when the profile had none. */
export interface ScoreChange {
  profileId: string;
  key: string;
  value: ScoreValue;
  previous: ScoreValue | undefined;
}

/** Called after a write commits, with only the rows whose value changed (segments re-evaluate these). */
export type ScoreListener = (workspaceId: string, changes: readonly ScoreChange[]) => Promise<void>;

/**
 * Scores computed outside the event stream (RFM, predicted CLV, churn risk, propensity, next
 * order date): written by analytics and predictive jobs, read by profiles, segments and
 * templates. Writers call `write`; readers that must react (segments) subscribe.
 * @example await scores.write('ws', [{ profileId: 'p1', key: 'rfm_group', value: 'Champions' }], 'analytics:rfm');
 */
export class ProfileScores {
  readonly #database: Database;
  readonly #clock: Clock;
  readonly #listeners: ScoreListener[] = [];

  constructor(deps: { database: Database; clock: Clock }) {
    this.#database = deps.database;
    this.#clock = deps.clock;
  }

  /** Registers a listener for changed scores; returns a function that removes it. */
  subscribe(listener: ScoreListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const index = this.#listeners.indexOf(listener);
      if (index >= 0) this.#listeners.splice(index, 1);
    };
  }

  /** Writes scores in one transaction, then tells listeners which values changed. */
  async write(workspaceId: string, rows: readonly ScoreRow[], source: string): Promise<ScoreChange[]> {
    const now = this.#clock.now();
    const previous = await this.#database.transaction((trx) => upsertProfileScores(trx, workspaceId, rows, source, now));
    const changes: ScoreChange[] = [];
    for (const row of rows) {
      const id = scoreId(row.profileId, row.key);
      const before = previous.has(id) ? previous.get(id) : undefined;
      if (previous.has(id) && before === row.value) continue;
      changes.push({ profileId: row.profileId, key: row.key, value: row.value, previous: before });
    }
    if (changes.length > 0) for (const listener of this.#listeners) await listener(workspaceId, changes);
    return changes;
  }

  /** Every score of the given profiles, keyed by profile id. */
  read(workspaceId: string, profileIds: readonly string[]): Promise<Map<string, Record<string, ScoreValue>>> {
    return readProfileScores(this.#database.db, workspaceId, profileIds);
  }
}
