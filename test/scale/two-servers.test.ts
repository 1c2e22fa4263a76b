/**
 * Issue 17, item 3: two Rapport servers on one PostgreSQL database share what they must and
 * never do twice what must happen once. Both run in this test process (two `createRapport`,
 * each with its own connection pool, data directory, scheduler, processor and caches), which
 * is what two `rapport start` processes share: the store and nothing else.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { SegmentEngine } from '../../src/segments/engine.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { ADMIN_TOKEN, WRITE_KEY, basicAuth, waitFor } from '../helpers/server.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** Servers of one deployment share the key that seals secrets at rest (docs/modules/channels.md); each keeps its own data directory. */
const SECRET_KEY = randomBytes(32).toString('hex');
const ws = 'default';

async function server(store: TestStore): Promise<Rapport> {
  const env: Record<string, string> = {
    RAPPORT_DATA_DIR: tempDir(),
    RAPPORT_DATABASE_URL: store.databaseUrl ?? '',
    RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY,
    RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
    RAPPORT_LOG_LEVEL: 'silent',
    RAPPORT_INGEST_SHED_LAG_MS: '0',
    RAPPORT_OUTBOUND_ALLOW: '127.0.0.1/32',
    RAPPORT_SECRET_KEY: SECRET_KEY,
    // Trainings only when asked (by a request): the test counts them.
    RAPPORT_RECS_RETRAIN_MINUTES: '0',
  };
  return createRapport(loadConfig(env, { processor: 'inline' }), { logger: false });
}

function engineOf(rapport: Rapport): SegmentEngine {
  for (const module of rapport.modules) if ('engine' in module && module.engine instanceof SegmentEngine) return module.engine;
  throw new Error('no segments module');
}

describe.skipIf(!dialects.includes('postgres'))('two servers on one PostgreSQL database', () => {
  let store: TestStore;
  let a: Rapport;
  let b: Rapport;
  let receiver: http.Server;
  let url: string;
  const deliveries: string[] = [];

  beforeAll(async () => {
    store = await createTestStore('postgres');
    // Started together, as two processes of one deployment are: both create the shared secrets at once.
    [a, b] = await Promise.all([server(store), server(store)]);
    receiver = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        deliveries.push(String(request.headers['webhook-id']));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/audience`;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    receiver?.close();
    await store?.drop();
  });

  it('share one link key and one VAPID key pair, created once', async () => {
    expect(a.messaging.vapidPublicKey()).toBe(b.messaging.vapidPublicKey());
    const token = a.messaging.links.sign({ k: 'open', w: ws, m: 'msg_1' });
    expect(b.messaging.links.verify(token)).toEqual({ k: 'open', w: ws, m: 'msg_1' });
    const rows = await store.database.db.selectFrom('server_secrets').select('name').orderBy('name').execute();
    expect(rows.map((row) => row.name)).toEqual(['link-secret', 'secret-key-id', 'vapid-keys']);
  });

  it('deliver each segment webhook entry once, whichever server sends it', async () => {
    const list = await a.segments.createStatic(ws, { name: 'Audience', destination: { url } });
    const members = Array.from({ length: 120 }, (_, index) => `prf_${index}`);
    await engineOf(a).setStaticMembers(ws, list.id, members, 'add');
    const counts = await waitFor(
      'every entry delivered',
      async () => {
        const destination = (await b.segments.get(ws, list.id)).destination;
        return destination !== null && destination !== undefined && destination.pending === 0 && destination.delivered === members.length ? destination : undefined;
      },
      60_000,
    );
    expect(counts).toMatchObject({ delivered: members.length, pending: 0 });
    expect(deliveries).toHaveLength(members.length);
    expect(new Set(deliveries).size).toBe(members.length);
  });

  it('see a recommendation-rule change made on the other server', async () => {
    const put = (rapport: Rapport, priceMax: number) => rapport.app.inject({ method: 'PUT', url: '/api/v1/recommendations/rules/trending', headers: admin, payload: { priceMax } });
    const read = async (rapport: Rapport): Promise<number | undefined> =>
      ((await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations/rules', headers: admin })).json() as { rules: { trending?: { priceMax?: number } } }).rules.trending?.priceMax;
    expect((await put(a, 50)).statusCode).toBe(200);
    // B reads (and caches) the rules, then A changes them: B must drop its copy.
    await waitFor('B to read the first rules', async () => ((await read(b)) === 50 ? true : undefined));
    expect((await put(a, 20)).statusCode).toBe(200);
    // Before, B kept its copy until it restarted; now it drops it within a setting-change poll (about 250 ms).
    await waitFor('B to see the changed rules', async () => ((await read(b)) === 20 ? true : undefined), 5_000);
    expect(await read(b)).toBe(20);
  });

  it('train the recommendation models once, and both serve them', async () => {
    expect(
      (
        await a.catalog.upsertProducts(
          ws,
          ['jacket', 'hat', 'gloves', 'soap'].map((id, index) => ({ id, name: id, price: 10 + index, inventory: 5 })),
        )
      ).errors,
    ).toEqual([]);
    const batch = ['u1', 'u2', 'u3', 'u4'].flatMap((userId) => [
      { type: 'track', userId, event: 'Order Completed', messageId: `${userId}-o`, properties: { order_id: `${userId}-o`, products: [{ product_id: 'jacket' }, { product_id: 'hat' }] } },
    ]);
    const sent = await b.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { batch } });
    expect(sent.statusCode).toBe(200);
    await waitFor('the orders processed', async () => ((await a.profiles.lookupProfile(ws, 'user_id', 'u4')) === undefined ? undefined : true), 30_000);
    const ask = async (rapport: Rapport) =>
      (await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations?strategy=also-bought&product=jacket&limit=2', headers: admin })).json() as {
        training_id: string | null;
        items: { id: string }[];
      };
    // Both servers are asked before any model exists: one training is asked for (a job), run by one of them.
    await Promise.all([ask(a), ask(b)]);
    const fromB = await waitFor(
      'B to serve trained models',
      async () => {
        const answer = await ask(b);
        return answer.training_id === null ? undefined : answer;
      },
      60_000,
    );
    const fromA = await waitFor(
      'A to serve trained models',
      async () => {
        const answer = await ask(a);
        return answer.training_id === null ? undefined : answer;
      },
      30_000,
    );
    expect(fromA.training_id).toBe(fromB.training_id);
    expect(fromB.items.map((item) => item.id)).toEqual(['hat']);
    const trainings = (await a.app.inject({ method: 'GET', url: '/api/v1/recommendations/trainings', headers: admin })).json() as { trainings: { id: string }[] };
    expect(trainings.trainings.map((training) => training.id)).toEqual([fromB.training_id]);
    const stored = await store.database.db.selectFrom('recommendation_models').select(['version', 'training_id']).execute();
    expect(stored).toEqual([{ version: 1, training_id: fromB.training_id }]);
  });
});
