import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { isLockBusy, retryWhileBusy } from './sqlite-lock-wait.js';

/** Counts turns of the event loop until `done` settles. */
async function turnsWhile(done: Promise<unknown>): Promise<number> {
  let settled = false;
  void done.then(
    () => (settled = true),
    () => (settled = true),
  );
  let turns = 0;
  while (!settled && turns < 100_000) {
    await new Promise((resolve) => setImmediate(resolve));
    turns += 1;
  }
  return turns;
}

describe('SQLite lock waits (another connection holds the write lock)', () => {
  let dir: string;
  let database: Database | undefined;
  let other: SqliteDatabase.Database | undefined;

  afterEach(async () => {
    if (other?.inTransaction === true) other.exec('rollback');
    other?.close();
    await database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<{ database: Database; other: SqliteDatabase.Database }> {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-lock-wait-'));
    database = await openDatabase({ dataDir: dir });
    await sql`create table scratch (x integer)`.execute(database.db);
    // What the processor thread is to the server: a second connection writing the same file.
    other = new SqliteDatabase(path.join(dir, 'rapport.db'));
    other.pragma('busy_timeout = 0');
    return { database, other };
  }

  it('waits for the lock on timers: the event loop keeps turning, and the transaction commits once the lock is free', async () => {
    const { database, other } = await open();
    other.exec('begin immediate');
    const writing = database.transaction(async (trx) => {
      await sql`insert into scratch (x) values (1)`.execute(trx);
    });
    // While the lock is held, the write is pending and the loop turns (SQLite's own busy
    // handler would sleep inside the statement call, and no turn would happen).
    let turns = 0;
    for (; turns < 200; turns++) await new Promise((resolve) => setImmediate(resolve));
    const settledEarly = await Promise.race([writing.then(() => true), new Promise((resolve) => setImmediate(() => resolve(false)))]);
    expect(settledEarly).toBe(false);
    other.exec('commit');
    await writing;
    expect(other.prepare('select count(*) as n from scratch').get()).toEqual({ n: 1 });
  });

  it('retries statements outside a transaction too, and turns the loop meanwhile', async () => {
    const { database, other } = await open();
    other.exec('begin immediate');
    const writing = sql`insert into scratch (x) values (2)`.execute(database.db);
    setTimeout(() => other.exec('commit'), 30);
    expect(await turnsWhile(writing)).toBeGreaterThan(2);
    expect(other.prepare('select x from scratch').all()).toEqual([{ x: 2 }]);
  });

  it('gives up after its wait with the SQLITE_BUSY error, having changed nothing', async () => {
    const { database, other } = await open();
    other.exec('begin immediate');
    // On the raw handle (busy_timeout 0, as the driver's connection): the driver itself would wait its full 10 s.
    const insert = database.sqlite?.prepare('insert into scratch (x) values (3)');
    let attempts = 0;
    const error: unknown = await retryWhileBusy(async () => {
      attempts += 1;
      return insert?.run();
    }, 20).catch((caught: unknown) => caught);
    expect(attempts).toBeGreaterThan(1);
    expect(isLockBusy(error)).toBe(true);
    other.exec('commit');
    expect(other.prepare('select count(*) as n from scratch').get()).toEqual({ n: 0 });
  });

  it('passes other errors through at once', async () => {
    const { database } = await open();
    const error: unknown = await sql`insert into missing_table (x) values (1)`.execute(database.db).catch((caught: unknown) => caught);
    expect(isLockBusy(error)).toBe(false);
    expect(String(error)).toMatch(/no such table/);
  });
});
