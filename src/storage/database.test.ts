import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, openOtherProcess, type TestStore } from '../../test/helpers/databases.js';
import { waitFor } from '../../test/helpers/server.js';
import { dialectOf, openDatabase } from './database.js';

describe.each(dialects)('dialectOf (%s)', (dialect) => {
  let store: TestStore;
  afterEach(async () => store.drop());

  it('reads the dialect from the store, a transaction and a held connection alike', async () => {
    store = await createTestStore(dialect);
    const { database } = store;
    expect(dialectOf(database.db)).toBe(dialect);
    expect(await database.transaction(async (trx) => dialectOf(trx))).toBe(dialect);
    expect(await database.db.connection().execute(async (conn) => dialectOf(conn))).toBe(dialect);
  });
});

describe.runIf(dialects.includes('postgres'))('a PostgreSQL connection ended by the server', () => {
  let store: TestStore;
  afterEach(async () => store.drop());

  it('fails the transaction that held it, not the process, and the store goes on answering', async () => {
    store = await createTestStore('postgres');
    const { database } = store;
    const other = await openOtherProcess(store);
    let outcome: string;
    try {
      outcome = await database
        .transaction(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          const pid = rows[0]?.pid ?? 0;
          // What a server restart does to every session: FATAL 57P01 while this one sits idle in its transaction.
          await sql`select pg_terminate_backend(${pid})`.execute(other.db);
          for (;;) {
            const alive = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where pid = ${pid}`.execute(other.db);
            if (Number(alive.rows[0]?.n) === 0) break;
          }
          // One more round-trip elsewhere: the FATAL has reached this process while the client was idle.
          await sql`select 1`.execute(other.db);
          await sql`select 1`.execute(trx);
          return 'committed';
        })
        .catch((error: unknown) => (error instanceof Error ? 'failed' : 'thrown'));
    } finally {
      await other.close();
    }
    expect(outcome).toBe('failed');
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    expect(rows).toEqual([{ one: 1 }]);
  });
});

describe.each(dialects)('reads of committed state (%s)', (dialect) => {
  let store: TestStore;
  afterEach(async () => store.drop());

  it('answer while a transaction of this process holds its connection, without its uncommitted write', async () => {
    store = await createTestStore(dialect);
    const { database } = store;
    const count = async () => Number((await sql<{ n: number | string }>`select count(*) as n from onsite_visits where visitor = 'v-reads'`.execute(database.reads)).rows[0]?.n);
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written = (): void => undefined;
    const inserted = new Promise<void>((resolve) => (written = resolve));
    const transaction = database.transaction(async (trx) => {
      await sql`insert into onsite_visits (workspace_id, visitor, day) values ('default', 'v-reads', 1)`.execute(trx);
      written();
      await held;
    });
    await inserted;
    // On SQLite the main connection is the transaction's until it ends: a read through it would wait here.
    expect(await count()).toBe(0);
    release();
    await transaction;
    expect(await count()).toBe(1);
  });
});

describe('SQLite checkpoints from their own thread', () => {
  let dataDir: string;
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('leaves commits on the event-loop connection free of checkpoints and copies the WAL back from the thread', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-checkpoint-'));
    const database = await openDatabase({ dataDir, checkpointThread: true });
    try {
      expect(database.sqlite?.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const file = path.join(dataDir, 'rapport.db');
      const before = fs.statSync(file).size;
      // ~6 MB in one commit: past what a checkpoint of this connection would ever leave in the WAL.
      const handle = database.sqlite;
      if (handle === undefined) throw new Error('no SQLite handle');
      handle.exec('create table filler (body text)');
      const insert = handle.prepare('insert into filler values (?)');
      handle.transaction(() => {
        for (let i = 0; i < 1500; i++) insert.run('x'.repeat(4000));
      })();
      expect(fs.statSync(file).size).toBe(before);
      // The rows reach the database file only through the thread's checkpoint.
      await waitFor('the checkpoint thread to copy the WAL back', () => (fs.statSync(file).size > before + 5_000_000 ? true : undefined), 20_000);
    } finally {
      await database.close();
    }
  });
});
