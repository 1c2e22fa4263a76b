/**
 * Crash durability of journeys: the built server is killed with SIGKILL in the middle of a send
 * storm (thousands of customers, three messages each, no waits), twice, and restarted on the
 * same data dir. Every message due must be sent exactly once: one recorded message per
 * (customer, template), none missing, none under a second key. Each customer gets three messages
 * 15 s apart (longer than a restart), so each kill lands in the middle of its own burst. The server's default sender is
 * the store-backed recording sender, which, like a real channel, is idempotent on the key and
 * counts the calls, so the test also shows how many sends were re-attempted after a kill.
 */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isJsonObject } from '../../src/ingest/message.js';
import { openDatabase } from '../../src/storage/database.js';
import { tempDir } from '../helpers/databases.js';
import { ADMIN_TOKEN, WORKSPACE, WRITE_KEY, basicAuth, freePort, spawnServer, stopServer, waitFor, type ServerProcess } from '../helpers/server.js';

const CUSTOMERS = 3000;
/** Longer than a restart, so each kill lands in its own burst of sends. */
const GAP_SECONDS = 15;
const TEMPLATES = ['storm-1', 'storm-2', 'storm-3'];
const KILLS = 2;

async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
}

async function sentSoFar(url: string, journeyId: string): Promise<{ sent: number; entered: number; inProgress: number } | undefined> {
  try {
    const { json } = await api(url, 'GET', `/api/v1/journeys/${journeyId}/report`);
    if (!isJsonObject(json) || typeof json.sent !== 'number' || typeof json.entered !== 'number' || typeof json.inProgress !== 'number') return undefined;
    return { sent: json.sent, entered: json.entered, inProgress: json.inProgress };
  } catch {
    return undefined;
  }
}

describe('kill -9 during a journey send storm', () => {
  const dataDir = tempDir('rapport-journeys-kill9-');
  const servers: ServerProcess[] = [];

  afterAll(async () => {
    for (const server of servers) await stopServer(server, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`sends every due message exactly once across ${KILLS} kills`, async () => {
    const port = await freePort();
    const start = async () => {
      const server = await spawnServer({ dataDir, port, env: { RAPPORT_JOURNEY_DELIVERY: 'record' } });
      servers.push(server);
      return server;
    };
    let server = await start();
    const created = await api(server.url, 'POST', '/api/v1/journeys', {
      name: 'storm',
      trigger: { type: 'event', event: 'Storm Started' },
      start: 'a',
      nodes: [
        { id: 'a', type: 'send', channel: 'email', templateId: 'storm-1', next: 'wait-1' },
        { id: 'wait-1', type: 'wait', duration: { amount: GAP_SECONDS, unit: 'seconds' }, next: 'b' },
        { id: 'b', type: 'send', channel: 'sms', templateId: 'storm-2', next: 'wait-2' },
        { id: 'wait-2', type: 'wait', duration: { amount: GAP_SECONDS, unit: 'seconds' }, next: 'c' },
        { id: 'c', type: 'send', channel: 'push', templateId: 'storm-3', next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const journeyId = isJsonObject(created.json) && typeof created.json.id === 'string' ? created.json.id : '';
    expect((await api(server.url, 'POST', `/api/v1/journeys/${journeyId}/activate`)).status).toBe(200);

    for (let start = 0; start < CUSTOMERS; start += 500) {
      const batch = Array.from({ length: 500 }, (_, i) => ({ type: 'track', userId: `storm-${start + i}`, event: 'Storm Started', messageId: `storm-${start + i}`, properties: {} }));
      const response = await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuth(WRITE_KEY) }, body: JSON.stringify({ batch }) });
      expect(response.status).toBe(200);
    }

    const total = CUSTOMERS * TEMPLATES.length;
    const killedAt: number[] = [];
    // Progress is read straight from the store (a second SQLite reader, as WAL allows), so the
    // probe does not queue behind the storm in the server.
    const reader = new SqliteDatabase(path.join(dataDir, 'rapport.db'), { readonly: true, fileMustExist: true });
    const recorded = (): number => {
      try {
        const row = reader.prepare('select count(*) as n from recorded_messages').get();
        return isJsonObject(row) && typeof row.n === 'number' ? row.n : 0;
      } catch {
        return 0;
      }
    };
    for (let kill = 1; kill <= KILLS; kill++) {
      // Mid-burst, off any batch boundary: some sends of the round are out, the rest not yet.
      const threshold = Math.round(CUSTOMERS * (kill - 0.5)) + 137;
      const sent = await waitFor(`${threshold} sends before kill ${kill}`, () => {
        const n = recorded();
        return n >= threshold ? n : undefined;
      }, 60_000, 1);
      await stopServer(server, 'SIGKILL');
      killedAt.push(sent);
      server = await start();
    }
    reader.close();
    const done = await waitFor('every message sent', async () => {
      const report = await sentSoFar(server.url, journeyId);
      return report !== undefined && report.entered === CUSTOMERS && report.inProgress === 0 ? report : undefined;
    }, 120_000, 50);
    await stopServer(server, 'SIGTERM');
    // The kills must have landed mid-storm, or this proved nothing about crashes.
    expect(killedAt.every((sent) => sent > 0 && sent < total), `killed at ${killedAt.join(", ")} of ${total}`).toBe(true);
    expect(done.sent).toBe(total);

    const database = await openDatabase({ dataDir });
    try {
      const rows = await database.db.selectFrom('recorded_messages').select(['profile_id', 'template_id', 'idempotency_key', 'calls']).where('workspace_id', '=', WORKSPACE).execute();
      const perSend = new Map<string, number>();
      for (const row of rows) perSend.set(`${row.profile_id}/${row.template_id}`, (perSend.get(`${row.profile_id}/${row.template_id}`) ?? 0) + 1);
      expect(rows).toHaveLength(total);
      expect([...perSend.values()].every((n) => n === 1), 'a (customer, template) recorded under two keys').toBe(true);
      expect(new Set(rows.map((row) => row.profile_id)).size).toBe(CUSTOMERS);
      const repeated = rows.filter((row) => row.calls > 1).length;
      // Only sends in flight at a kill are attempted again (and absorbed by the key).
      expect(repeated).toBeLessThanOrEqual(KILLS * 500);
      // The kills landed between a send's commit and its confirmation at least once.
      expect(repeated).toBeGreaterThan(0);
      const steps = await database.db.selectFrom('journey_steps').select(['status']).where('workspace_id', '=', WORKSPACE).where('kind', '=', 'send').execute();
      expect(steps.filter((step) => step.status !== 'done')).toEqual([]);
      console.info(`journeys kill-9: ${total} messages to ${CUSTOMERS} customers, killed at ${killedAt.join(' and ')} sent, ${repeated} sends re-attempted after a kill and deduplicated by key`);
    } finally {
      await database.close();
    }
  });
});
