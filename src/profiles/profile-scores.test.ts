import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { manualClock } from '../shared/clock.js';
import { deleteProfileScores, readScoreByKey } from './store/profile-scores.js';
import { ProfileScores, type ScoreChange } from './profile-scores.js';

describe.each(dialects)('profile scores (%s)', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    await store.drop();
  });

  it('writes scores, reads them back by profile and by key, and reports only changed values', async () => {
    const scores = new ProfileScores({ database: store.database, clock: manualClock(1000) });
    const heard: ScoreChange[][] = [];
    const unsubscribe = scores.subscribe(async (_workspace, changes) => {
      heard.push([...changes]);
    });
    await scores.write(
      'w',
      [
        { profileId: 'p1', key: 'churn_risk', value: 0.25 },
        { profileId: 'p1', key: 'rfm_group', value: 'Champions' },
        { profileId: 'p2', key: 'churn_risk', value: 0.9 },
      ],
      'test',
    );
    expect(heard[0]).toHaveLength(3);
    expect(heard[0]?.[0]).toEqual({ profileId: 'p1', key: 'churn_risk', value: 0.25, previous: undefined });

    const changed = await scores.write(
      'w',
      [
        { profileId: 'p1', key: 'churn_risk', value: 0.25 },
        { profileId: 'p2', key: 'churn_risk', value: 0.5 },
      ],
      'test',
    );
    expect(changed).toEqual([{ profileId: 'p2', key: 'churn_risk', value: 0.5, previous: 0.9 }]);

    const read = await scores.read('w', ['p1', 'p2', 'p3']);
    expect(read.get('p1')).toEqual({ churn_risk: 0.25, rfm_group: 'Champions' });
    expect(read.get('p2')).toEqual({ churn_risk: 0.5 });
    expect(read.has('p3')).toBe(false);
    expect(await scores.read('other', ['p1'])).toEqual(new Map());
    expect(await readScoreByKey(store.database.db, 'w', 'churn_risk')).toEqual(
      new Map([
        ['p1', 0.25],
        ['p2', 0.5],
      ]),
    );

    expect(await deleteProfileScores(store.database.db, 'w', { profileId: 'p1' })).toBe(2);
    expect((await scores.read('w', ['p1'])).has('p1')).toBe(false);
    unsubscribe();
    await scores.write('w', [{ profileId: 'p2', key: 'churn_risk', value: 0.1 }], 'test');
    expect(heard).toHaveLength(2);
  });
});
