/**
 * Crash durability of ingest: the built server (`node dist/cli/main.js start`) is killed with
 * SIGKILL in the middle of a sustained batch ingest, restarted on the same data dir, and the
 * unacknowledged batches are re-sent as a real client would (same messageIds). Every batch the
 * server acknowledged must survive, and nothing may be stored twice.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isJsonObject } from '../../src/ingest/message.js';
import { openDatabase } from '../../src/storage/database.js';
import { ProfileService } from '../../src/profiles/profile-service.js';
import { tempDir } from '../helpers/databases.js';
import { ADMIN_TOKEN, WORKSPACE, WRITE_KEY, basicAuth, freePort, spawnServer, stopServer, waitFor, type ServerProcess } from '../helpers/server.js';

const LOOPS = 4;
const ROUNDS = 2;
/** Acknowledged batches per round before the kill: enough that the kill lands mid-stream. */
const ACKED_BEFORE_KILL = 200;
const REQUEST_TIMEOUT_MS = 10_000;

interface SentBatch {
  messageIds: string[];
  body: string;
  /** Acknowledged with a 2xx by some attempt. */
  acked: boolean;
  /** Round in which it was first sent. */
  round: number;
}

/** One POST /v1/batch; resolves to the status, or undefined when the connection failed. */
async function postBatch(url: string, body: string): Promise<{ status: number; json: unknown } | undefined> {
  try {
    const response = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(WRITE_KEY) },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, json };
  } catch {
    return undefined;
  }
}

function makeBatch(round: number, loop: number, seq: number): SentBatch {
  // 50-100 events, varied so requests differ in size and duration.
  const size = 50 + ((seq * 37 + loop * 11) % 51);
  const messageIds = Array.from({ length: size }, (_, i) => `k9-r${round}-l${loop}-b${seq}-e${i}`);
  const batch = messageIds.map((messageId, i) => ({
    type: 'track',
    userId: `k9-user-${(seq * 7 + i) % 500}`,
    event: 'Product Viewed',
    messageId,
    properties: { product_id: `p-${i}`, price: 10 + i, round, loop, seq },
    timestamp: new Date().toISOString(),
  }));
  return { messageIds, body: JSON.stringify({ batch, sentAt: new Date().toISOString() }), acked: false, round };
}

describe('kill -9 during sustained ingest', () => {
  const dataDir = tempDir('rapport-kill9-');
  const servers: ServerProcess[] = [];

  afterAll(async () => {
    for (const server of servers) await stopServer(server, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`loses no acknowledged event and stores none twice across ${ROUNDS} kills`, async () => {
    const port = await freePort();
    const start = async () => {
      const server = await spawnServer({ dataDir, port });
      servers.push(server);
      return server;
    };
    let server = await start();
    const sent: SentBatch[] = [];
    let inFlightAtKill = 0;
    let duplicatesOnResend = 0;

    for (let round = 1; round <= ROUNDS; round += 1) {
      let stop = false;
      let ackedThisRound = 0;
      let failure: string | undefined;
      const inFlight = new Set<SentBatch>();
      const loops = Array.from({ length: LOOPS }, async (_, loop) => {
        for (let seq = 0; !stop; seq += 1) {
          const batch = makeBatch(round, loop, seq);
          sent.push(batch);
          inFlight.add(batch);
          const result = await postBatch(server.url, batch.body);
          inFlight.delete(batch);
          // A failed connection is the kill: this client stops and retries later.
          if (result === undefined) return;
          if (result.status >= 200 && result.status < 300) {
            batch.acked = true;
            ackedThisRound += 1;
          } else if (result.status < 500 && result.status !== 429) {
            failure = `unexpected ${result.status}: ${JSON.stringify(result.json)}`;
            return;
          }
        }
      });

      await waitFor(
        `${ACKED_BEFORE_KILL} acknowledged batches in round ${round}`,
        () => {
          if (failure !== undefined) throw new Error(failure);
          return ackedThisRound >= ACKED_BEFORE_KILL ? true : undefined;
        },
        60_000,
        5,
      );
      inFlightAtKill += inFlight.size;
      await stopServer(server, 'SIGKILL');
      stop = true;
      await Promise.all(loops);
      expect(failure).toBeUndefined();

      server = await start();
      // Acknowledged before the crash and never re-sent: each must be there, once.
      const survivors = sent.filter((batch) => batch.acked && batch.round === round).slice(-5);
      for (const batch of survivors) {
        const messageId = batch.messageIds[batch.messageIds.length - 1] ?? '';
        const response = await fetch(`${server.url}/api/v1/events?messageId=${encodeURIComponent(messageId)}`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        expect(response.status).toBe(200);
        const body: unknown = await response.json();
        expect(isJsonObject(body) && Array.isArray(body.events) ? body.events.length : -1, messageId).toBe(1);
      }

      // The client's retry: every unacknowledged batch again, same messageIds.
      for (const batch of sent.filter((candidate) => !candidate.acked)) {
        const result = await postBatch(server.url, batch.body);
        expect(result?.status, `re-send after restart: ${JSON.stringify(result?.json)}`).toBe(200);
        batch.acked = true;
        const json = result?.json;
        if (isJsonObject(json) && typeof json.duplicates === 'number') {
          expect(json.accepted).toBe(batch.messageIds.length);
          duplicatesOnResend += json.duplicates;
        } else throw new Error(`re-send answered without counts: ${JSON.stringify(json)}`);
      }
    }

    // The processor (killed mid-batch too) catches up after the restart.
    await waitFor(
      'the processor to catch up',
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/processor`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        const body: unknown = await response.json();
        return isJsonObject(body) && body.lagEvents === 0 ? true : undefined;
      },
      30_000,
    );
    await stopServer(server, 'SIGTERM');
    expect(sent.every((batch) => batch.acked)).toBe(true);
    // The kills must have interrupted requests, or this test proved nothing about crashes.
    expect(inFlightAtKill).toBeGreaterThan(0);

    const database = await openDatabase({ dataDir });
    try {
      const rows = await database.db.selectFrom('events').select('message_id').where('workspace_id', '=', WORKSPACE).execute();
      const stored = rows.map((row) => row.message_id);
      const storedSet = new Set(stored);
      const sentIds = new Set(sent.flatMap((batch) => batch.messageIds));
      expect(stored.length, 'duplicates in the log').toBe(storedSet.size);
      const missing = [...sentIds].filter((id) => !storedSet.has(id));
      expect(missing.slice(0, 10), `${missing.length} acknowledged messageIds missing`).toEqual([]);
      const unexpected = stored.filter((id) => !sentIds.has(id));
      expect(unexpected.slice(0, 10)).toEqual([]);
      expect(stored.length).toBe(sentIds.size);
      // Every stored event was applied to a profile exactly once, across the kills.
      const profiles = new ProfileService({ database });
      let counted = 0;
      for (let user = 0; user < 500; user++) {
        const profile = await profiles.lookupProfile(WORKSPACE, 'user_id', `k9-user-${user}`);
        counted += profile?.computed.events ?? 0;
      }
      expect(counted, 'events applied to profiles').toBe(sentIds.size);
      // Sanity: the run was substantial.
      expect(sentIds.size).toBeGreaterThan(ROUNDS * ACKED_BEFORE_KILL * 50);
      // Informational: in-flight batches the server had committed before it died.
      console.info(`kill-9: ${sent.length} batches, ${sentIds.size} events, ${inFlightAtKill} in flight at the kills, ${duplicatesOnResend} re-sent events already stored`);
    } finally {
      await database.close();
    }
    // Three start-ups of the built server dominate on a loaded machine (up to ~15 s each on two busy cores).
  }, 180_000);
});
