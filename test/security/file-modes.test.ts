import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.js';
import { WORKSPACE, startTestRapport, type TestRapport } from '../helpers/server.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('files in the data directory are readable by the server user only', () => {
  let env: TestRapport;
  let dataDir: string;
  const previousUmask = process.umask(0o022);

  beforeAll(async () => {
    // A fresh directory below a world-readable parent, with the common umask 022.
    dataDir = path.join(tempDir(), 'data');
    env = await startTestRapport('sqlite', { RAPPORT_DATA_DIR: dataDir });
  });

  afterAll(async () => {
    await env.stop();
    process.umask(previousUmask);
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('creates the data directory 0700 and rapport.db with its WAL files 0600', async () => {
    await env.rapport.ingest.ingest({ workspaceId: WORKSPACE, sourceId: null, receivedAt: Date.now() }, { items: [{ type: 'track', event: 'E', userId: 'u' }] });
    const db = path.join(dataDir, 'rapport.db');
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(db)).toBe(0o600);
    expect(fs.existsSync(`${db}-wal`)).toBe(true);
    expect(modeOf(`${db}-wal`)).toBe(0o600);
    expect(modeOf(`${db}-shm`)).toBe(0o600);
  });

  it('creates the analytics replica 0600', async () => {
    await env.rapport.analytics.sync();
    const file = path.join(dataDir, 'analytics.duckdb');
    expect(modeOf(file)).toBe(0o600);
  });
});

describe('an existing install is tightened on open', () => {
  it('chmods a world-readable rapport.db, its WAL and the directory', async () => {
    const dataDir = tempDir();
    fs.chmodSync(dataDir, 0o755);
    const db = path.join(dataDir, 'rapport.db');
    const first = await startTestRapport('sqlite', { RAPPORT_DATA_DIR: dataDir });
    await first.rapport.close();
    for (const file of [db, `${db}-wal`, `${db}-shm`]) if (fs.existsSync(file)) fs.chmodSync(file, 0o644);
    fs.chmodSync(dataDir, 0o755);
    const second = await startTestRapport('sqlite', { RAPPORT_DATA_DIR: dataDir });
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(db)).toBe(0o600);
      for (const file of [`${db}-wal`, `${db}-shm`]) if (fs.existsSync(file)) expect(modeOf(file)).toBe(0o600);
    } finally {
      await second.stop();
      await first.store.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
