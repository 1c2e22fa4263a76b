import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, openOtherProcess, type TestStore } from '../../test/helpers/databases.js';
import { waitFor } from '../../test/helpers/server.js';
import type { Database } from './database.js';
import { bumpSetting, SettingWatch } from './setting-changes.js';

describe.each(dialects)('settings changed across processes (%s)', (dialect) => {
  let store: TestStore;
  let other: Database;

  beforeEach(async () => {
    store = await createTestStore(dialect);
    // The second process: its own handle on the same store.
    other = await openOtherProcess(store);
  });

  afterEach(async () => {
    await other.close();
    await store.drop();
  });

  it('tells the listeners of another process which topic moved in which workspace, and nothing for a rolled-back change', async () => {
    const watch = new SettingWatch(other, 20);
    const heard: string[] = [];
    const stop = watch.on('recommendations.rules', (workspaceId) => heard.push(workspaceId));
    const stopIdentity = watch.on('identity.rules', (workspaceId) => heard.push(`identity:${workspaceId}`));
    await watch.ready();
    await expect(
      store.database.transaction(async (trx) => {
        await bumpSetting(trx, 'recommendations.rules', 'ws1', 1);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await store.database.transaction((trx) => bumpSetting(trx, 'recommendations.rules', 'ws2', 2));
    await waitFor('the change heard', () => (heard.length > 0 ? true : undefined));
    await store.database.transaction((trx) => bumpSetting(trx, 'identity.rules', 'ws1', 3));
    await waitFor('the second change heard', () => (heard.length > 1 ? true : undefined));
    expect(heard).toEqual(['ws2', 'identity:ws1']);
    stop();
    await store.database.transaction((trx) => bumpSetting(trx, 'recommendations.rules', 'ws2', 4));
    await watch.check();
    expect(heard).toEqual(['ws2', 'identity:ws1']);
    stopIdentity();
  });
});
