/**
 * Graceful, bounded shutdown of `rapport start` (docs/deploy.md): the built server gets SIGTERM
 * under a stream of batch requests, with idle kept-alive connections and live SSE streams open.
 * It must close every connection itself, exit 0 by itself (before its bound), and every batch it
 * acknowledged must be in the store afterwards. A stop that hangs (a request whose body never
 * ends) exits at the bound with code 1, and a second signal exits at once with 130.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/database.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { ADMIN_TOKEN, WORKSPACE, WRITE_KEY, basicAuth, freePort, spawnServer, stopServer, waitFor, type ServerProcess } from '../helpers/server.js';

const CLIENTS = 4;

/** A raw HTTP/1.1 connection: what it has received, and whether the server has closed it. */
interface RawConnection {
  socket: net.Socket;
  received(): string;
  closed: Promise<void>;
}

async function connect(port: number, request: string): Promise<RawConnection> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(request);
  return { socket, received: () => text, closed };
}

function get(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n${extra}\r\n`;
}

/** Posts batches until the server stops answering; returns the messageIds it acknowledged. */
async function sendUntilRefused(url: string, client: number, stop: () => boolean): Promise<{ acked: string[]; refused: number; otherStatuses: number[] }> {
  const acked: string[] = [];
  const otherStatuses: number[] = [];
  let refused = 0;
  for (let seq = 0; !stop(); seq += 1) {
    const messageIds = Array.from({ length: 50 }, (_, i) => `sd-c${client}-b${seq}-e${i}`);
    const batch = messageIds.map((messageId, i) => ({ type: 'track', userId: `sd-user-${(seq + i) % 40}`, event: 'Viewed', messageId }));
    try {
      const response = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(WRITE_KEY) },
        body: JSON.stringify({ batch }),
        signal: AbortSignal.timeout(30_000),
      });
      await response.text();
      if (response.ok) acked.push(...messageIds);
      // Fastify answers 503 to a request that reaches a closing server on a kept-alive connection: not acknowledged, a client retries it.
      else if (response.status !== 503) otherStatuses.push(response.status);
    } catch {
      refused += 1;
      if (refused > 3) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return { acked, refused, otherStatuses };
}

async function countStored(store: TestStore, messageIds: readonly string[]): Promise<number> {
  const database = await openDatabase({ databaseUrl: store.databaseUrl, dataDir: store.dataDir, migrate: false });
  try {
    let found = 0;
    for (let offset = 0; offset < messageIds.length; offset += 500) {
      const slice = messageIds.slice(offset, offset + 500);
      const rows = await database.db.selectFrom('events').select('message_id').where('workspace_id', '=', WORKSPACE).where('message_id', 'in', slice).execute();
      found += new Set(rows.map((row) => row.message_id)).size;
    }
    return found;
  } finally {
    await database.close();
  }
}

/** Waits until the server (logging at debug) has read the head of a request to `path`. */
function arrived(server: ServerProcess, path: string): Promise<true> {
  const pattern = new RegExp(`"url":"${path.replaceAll('/', '\\/')}"[^\n]*"msg":"incoming request"|"msg":"incoming request"[^\n]*"url":"${path.replaceAll('/', '\\/')}"`);
  return waitFor(`a request to ${path} to arrive`, () => (pattern.test(server.output()) ? true : undefined), 30_000);
}

describe.each(dialects)('shutdown of rapport start (%s)', (dialect) => {
  const servers: ServerProcess[] = [];
  const stores: TestStore[] = [];

  afterAll(async () => {
    for (const server of servers) await stopServer(server, 'SIGKILL');
    for (const store of stores) await store.drop();
  });

  async function start(env: Record<string, string> = {}): Promise<{ server: ServerProcess; store: TestStore }> {
    const store = await createTestStore(dialect);
    stores.push(store);
    // The server owns the store from here: the test's handle closes before it starts.
    await store.database.close();
    const dataDir = dialect === 'sqlite' ? store.dataDir : tempDir('rapport-shutdown-');
    const server = await spawnServer({
      dataDir,
      port: await freePort(),
      env: { RAPPORT_LOG_LEVEL: 'info', ...(store.databaseUrl === undefined ? {} : { RAPPORT_DATABASE_URL: store.databaseUrl }), ...env },
    });
    servers.push(server);
    if (store.databaseUrl !== undefined) void server.exited.then(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    return { server, store };
  }

  it('on SIGTERM under load closes kept-alive connections and live streams, finishes in flight, and exits 0 with every acknowledged batch stored', async () => {
    // Debug: every request is logged, so the test sees when the in-flight one has arrived.
    const { server, store } = await start({ RAPPORT_SHUTDOWN_TIMEOUT_MS: '25000', RAPPORT_LOG_LEVEL: 'debug' });
    // Idle kept-alive connections (one answered request each), and live streams.
    const idle = await Promise.all([0, 1, 2].map(() => connect(server.port, get('/healthz'))));
    const live = await Promise.all(['/api/v1/overview/live', '/api/v1/journeys/live'].map((path) => connect(server.port, get(path, 'Accept: text/event-stream\r\n'))));
    await waitFor('the idle connections to be answered', () => (idle.every((connection) => connection.received().includes('"status":"ok"')) ? true : undefined), 30_000);
    await waitFor('the live streams to send their first figures', () => (live.every((connection) => connection.received().includes('data: ')) ? true : undefined), 30_000);

    let stopping = false;
    const clients = Array.from({ length: CLIENTS }, (_, client) => sendUntilRefused(server.url, client, () => stopping));
    // Let the stream run until a few batches per client are acknowledged, then stop the server mid-stream.
    const events = async () => Number((await (await fetch(`${server.url}/metrics`)).text()).match(/^rapport_ingest_events_total\{outcome="accepted"\} (\d+)$/m)?.[1] ?? 0);
    await waitFor('batches to be acknowledged', async () => ((await events()) >= CLIENTS * 150 ? true : undefined), 60_000, 50);
    // A request in flight when the signal comes, on a kept-alive connection: its body ends after the stop began.
    const single = JSON.stringify({ userId: 'sd-inflight', event: 'Viewed', messageId: 'sd-inflight' });
    const inflight = await connect(
      server.port,
      `POST /v1/track HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nAuthorization: ${basicAuth(WRITE_KEY)}\r\nContent-Length: ${single.length}\r\n\r\n${single.slice(0, 5)}`,
    );
    await arrived(server, '/v1/track');
    const since = performance.now();
    server.child.kill('SIGTERM');
    await waitFor('the stop to begin', () => (server.output().includes('stopping: no new connections') ? true : undefined), 30_000);
    inflight.socket.write(single.slice(5));
    const exit = await server.exited;
    const stopMs = Math.round(performance.now() - since);
    stopping = true;
    const results = await Promise.all(clients);

    expect(exit, server.output()).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('"msg":"stopped"');
    expect(server.output()).not.toContain('exiting at once');
    // The server closed every connection itself: the process has exited, and no socket was left half-open from its side.
    await Promise.all([...idle, ...live].map((connection) => connection.closed));
    for (const connection of live) expect(connection.received()).toMatch(/^HTTP\/1\.1 200/);
    // The in-flight request was answered, and told to close its kept-alive connection (else the stop waits for the client's idle timeout).
    expect(inflight.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(inflight.received().toLowerCase()).toContain('connection: close');
    const acked = [...results.flatMap((result) => result.acked), 'sd-inflight'];
    expect(results.flatMap((result) => result.otherStatuses)).toEqual([]);
    expect(acked.length).toBeGreaterThan(CLIENTS * 150);
    expect(await countStored(store, acked)).toBe(acked.length);
    // Not an assertion (no timed tests): the measured stop, for docs/deploy.md.
    process.stdout.write(`shutdown (${dialect}): exit 0 after ${stopMs} ms under ${CLIENTS} batch clients, 3 idle keep-alive connections and 2 live streams; ${acked.length} events acknowledged\n`);
  });

  it('exits 1 at its bound when a request never finishes, and 130 at once on a second signal', async () => {
    // A request whose body never ends keeps the stop waiting for it.
    const hang = `POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: ${basicAuth(WRITE_KEY)}\r\nContent-Length: 100000\r\n\r\n{"batch":[`;
    const bounded = await start({ RAPPORT_SHUTDOWN_TIMEOUT_MS: '1000', RAPPORT_LOG_LEVEL: 'debug' });
    const first = await connect(bounded.server.port, hang);
    await arrived(bounded.server, '/v1/batch');
    bounded.server.child.kill('SIGTERM');
    expect(await bounded.server.exited, bounded.server.output()).toEqual({ code: 1, signal: null });
    expect(bounded.server.output()).toContain('exiting at once: the stop took longer than RAPPORT_SHUTDOWN_TIMEOUT_MS (1000 ms)');
    first.socket.destroy();

    const twice = await start({ RAPPORT_SHUTDOWN_TIMEOUT_MS: '600000', RAPPORT_LOG_LEVEL: 'debug' });
    const second = await connect(twice.server.port, hang);
    await arrived(twice.server, '/v1/batch');
    twice.server.child.kill('SIGTERM');
    await waitFor('the stop to begin', () => (twice.server.output().includes('stopping: no new connections') ? true : undefined), 30_000);
    twice.server.child.kill('SIGTERM');
    expect(await twice.server.exited, twice.server.output()).toEqual({ code: 130, signal: null });
    expect(twice.server.output()).toContain('exiting at once: a second SIGTERM');
    second.socket.destroy();
  });
});
