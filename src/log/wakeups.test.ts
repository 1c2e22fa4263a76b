import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { openDatabase, type Database } from '../storage/database.js';
import { AppendWakeups } from './wakeups.js';

// Workers in other processes hear of appends by NOTIFY; SQLite has one process and sends nothing.
describe.each(dialects)('append wake-ups (%s)', (dialect) => {
  let store: TestStore;
  let other: Database | undefined;
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    await other?.close();
    other = undefined;
    await store.drop();
  });

  it('wakes a listener in another process once per burst of appends, with the workspace', async () => {
    const heard: string[] = [];
    const listener = new AppendWakeups(store.database);
    const stop = await listener.listen((workspaceId) => heard.push(workspaceId));
    other = dialect === 'postgres' ? await openDatabase({ databaseUrl: store.databaseUrl, dataDir: store.dataDir, migrate: false }) : store.database;
    const sender = new AppendWakeups(other, { windowMs: 20 });
    for (let i = 0; i < 50; i++) sender.appended(i % 2 === 0 ? 'w1' : 'w2');
    await sender.flush();
    if (dialect === 'postgres') {
      for (let wait = 0; wait < 200 && heard.length < 2; wait++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(heard.sort()).toEqual(['w1', 'w2']);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard).toEqual([]);
    }
    await stop();
    if (dialect === 'sqlite') other = undefined;
  });
});
