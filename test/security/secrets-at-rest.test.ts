import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/channels/standard-webhooks.js';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { parseSecretKey, SecretBox } from '../../src/shared/secret-box.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { ADMIN_TOKEN, basicAuth, waitFor, WRITE_KEY } from '../helpers/server.js';

/*
 * Webhook and segment destination secrets, and URLs carrying credentials, are sealed at rest
 * under the operator's key, shown once (secrets) or masked (URLs), keep working from rows
 * written in plain text before sealing, and survive a key rotation.
 */

const keyA = randomBytes(32).toString('hex');
const keyB = randomBytes(32).toString('base64');
const LEGACY_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe.each(dialects)('secrets at rest (%s)', (dialect) => {
  let store: TestStore;
  let dataDir: string;
  let rapport: Rapport | undefined;
  let server: http.Server;
  let port = 0;
  const seen: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  async function start(env: Record<string, string>): Promise<Rapport> {
    await rapport?.close();
    rapport = await createRapport(
      loadConfig({
        RAPPORT_DATA_DIR: dataDir,
        RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY,
        RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
        RAPPORT_LOG_LEVEL: 'silent',
        RAPPORT_OUTBOUND_ALLOW: '127.0.0.1/32',
        ...(store.databaseUrl === undefined ? {} : { RAPPORT_DATABASE_URL: store.databaseUrl }),
        ...env,
      }),
      { processor: 'inline' },
    );
    return rapport;
  }

  async function call<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` },
  ): Promise<{ status: number; body: T }> {
    if (rapport === undefined) throw new Error('not started');
    const response = await rapport.app.inject({
      method,
      url,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: (response.body === '' ? {} : JSON.parse(response.body)) as T };
  }

  async function storedSecrets(): Promise<string> {
    if (rapport === undefined) throw new Error('not started');
    const hooks = await rapport.database.db.selectFrom('webhook_destinations').select(['url', 'secret']).execute();
    const segments = await rapport.database.db.selectFrom('segments').select('destination').execute();
    return JSON.stringify([hooks, segments]);
  }

  beforeAll(async () => {
    store = await createTestStore(dialect);
    dataDir = dialect === 'sqlite' ? store.dataDir : tempDir();
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({ url: request.url ?? '', headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await rapport?.close();
    await store?.drop();
    server?.closeAllConnections();
    server?.close();
  });

  it('seals secrets and URL credentials, shows secrets once and URLs masked', async () => {
    await start({ RAPPORT_SECRET_KEY: keyA });
    const hook = await call<{ id: string; url: string; secret: string }>('POST', '/api/v1/channels/webhooks', { url: `http://shop:hunter2@127.0.0.1:${port}/hook` });
    expect(hook.status).toBe(201);
    expect(hook.body.url).toBe(`http://***:***@127.0.0.1:${port}/hook`);
    expect(hook.body.secret).toMatch(/^whsec_/);
    const listed = JSON.stringify((await call('GET', '/api/v1/channels/webhooks')).body);
    expect(listed).toContain(`http://***:***@127.0.0.1:${port}/hook`);
    expect(listed).not.toMatch(/hunter2|whsec_/);

    const list = await call<{ id: string; destination: { url: string; secret?: string } }>('POST', '/api/v1/segments/static', {
      name: 'synced',
      destination: { url: `http://shop:hunter2@127.0.0.1:${port}/segment` },
    });
    expect(list.body.destination).toMatchObject({ url: `http://***:***@127.0.0.1:${port}/segment`, secret: expect.stringMatching(/^whsec_/) });
    const fetched = JSON.stringify((await call('GET', `/api/v1/segments/${list.body.id}`)).body);
    expect(fetched).not.toMatch(/hunter2|whsec_/);

    const stored = await storedSecrets();
    expect(stored).not.toMatch(/hunter2|whsec_/);
    expect(stored).toContain(`rsec1.${new SecretBox(parseSecretKey(keyA)).keyId}.`);
  });

  it('seals journey webhook node headers and URL credentials, shows them masked, and keeps them through a masked round trip', async () => {
    const app = await start({ RAPPORT_SECRET_KEY: keyA });
    expect((await call('POST', '/v1/identify', { userId: 'jo', traits: { email: 'jo@example.com' } }, { authorization: basicAuth(WRITE_KEY) })).status).toBe(200);
    await app.processor.drain();
    const profileId = (await call<{ id: string }>('GET', '/api/v1/profiles/lookup?type=user_id&value=jo')).body.id;
    const definition = (headers: Record<string, string>, url: string) => ({
      name: 'hooked',
      trigger: { type: 'api' },
      start: 'hook',
      nodes: [
        { id: 'hook', type: 'webhook', url, headers, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    type Shown = { id: string; definition: { nodes: { url?: string; headers?: Record<string, string> }[] } };
    const created = await call<Shown>('POST', '/api/v1/journeys', definition({ 'X-Api-Key': 'sk_live_topsecret' }, `http://shop:hunter2@127.0.0.1:${port}/journey`));
    expect(created.status).toBe(201);
    expect(created.body.definition.nodes[0]).toMatchObject({ url: `http://127.0.0.1:${port}/journey`, headers: { 'X-Api-Key': '********', authorization: '********' } });
    const basic = Buffer.from('shop:hunter2').toString('base64');
    const storedVersions = async () => JSON.stringify(await app.database.db.selectFrom('journey_versions').select('definition').execute());
    expect(await storedVersions()).not.toMatch(new RegExp(`hunter2|sk_live_topsecret|${basic}`));
    expect(await storedVersions()).toContain(`rsec1.${new SecretBox(parseSecretKey(keyA)).keyId}.`);

    // Saved back as read (masked), plus a new header: the stored secrets stay, the new one is sealed.
    const shownNode = created.body.definition.nodes[0];
    const updated = await call<Shown>('PUT', `/api/v1/journeys/${created.body.id}`, definition({ ...shownNode?.headers, 'X-Trace': 'trace-1' }, shownNode?.url ?? ''));
    expect(updated.status).toBe(200);
    expect(await storedVersions()).not.toMatch(/trace-1/);
    expect((await call('POST', `/api/v1/journeys/${created.body.id}/activate`)).status).toBe(200);
    expect((await call('POST', `/api/v1/journeys/${created.body.id}/enter`, { profileId })).status).toBe(200);
    const hit = await waitFor('the journey webhook', () => seen.find((request) => request.url === '/journey'), 20_000);
    expect(hit.headers).toMatchObject({ 'x-api-key': 'sk_live_topsecret', authorization: `Basic ${basic}`, 'x-trace': 'trace-1' });
  });

  it('keeps plaintext rows from before sealing working, seals them at start, and survives a key rotation', async () => {
    const db = rapport?.database.db;
    if (db === undefined) throw new Error('not started');
    // Rows as older versions wrote them: plaintext secret and credentials, allowPrivate set by the workspace.
    await db
      .insertInto('webhook_destinations')
      .values({ workspace_id: 'default', id: 'whk_legacy', url: `http://old:pass@127.0.0.1:${port}/legacy`, secret: LEGACY_SECRET, allow_private: 1, created_at: 1 })
      .execute();
    const [segment] = await db.selectFrom('segments').select('id').execute();
    await db
      .updateTable('segments')
      .set({ destination: JSON.stringify({ url: `http://127.0.0.1:${port}/legacy-segment`, secret: LEGACY_SECRET, allowPrivate: true }) })
      .where('id', '=', segment?.id ?? '')
      .execute();

    // Rotation: B seals, A still opens; the start-up pass moves every value to B.
    await start({ RAPPORT_SECRET_KEY: keyB, RAPPORT_SECRET_KEYS_OLD: keyA });
    const stored = await storedSecrets();
    expect(stored).not.toMatch(/hunter2|whsec_|old:pass|allowPrivate/);
    const idB = new SecretBox(parseSecretKey(keyB)).keyId;
    expect(stored).not.toContain(`rsec1.${new SecretBox(parseSecretKey(keyA)).keyId}.`);
    expect(stored).toContain(`rsec1.${idB}.`);

    // The old key can now go: the legacy destination still delivers, signed with its old secret and its credentials.
    await start({ RAPPORT_SECRET_KEY: keyB });
    expect((await call('POST', '/v1/identify', { userId: 'cy', traits: { email: 'cy@example.com' } }, { authorization: basicAuth(WRITE_KEY) })).status).toBe(200);
    await rapport?.processor.drain();
    const profileId = (await call<{ id: string }>('GET', '/api/v1/profiles/lookup?type=user_id&value=cy')).body.id;
    const templateId = (await call<{ id: string }>('POST', '/api/v1/templates', { name: 'hook', channel: 'webhook', source: { default: { body: '{"a":1}' } } })).body.id;
    const sent = await call('POST', '/api/v1/channels/send', { profileId, channel: 'webhook', templateId, idempotencyKey: 'legacy-1', data: { destinationId: 'whk_legacy' } });
    expect(sent.body).toMatchObject({ status: 'sent' });
    const delivery = seen.find((entry) => entry.url === '/legacy');
    expect(delivery?.headers.authorization).toBe(`Basic ${Buffer.from('old:pass').toString('base64')}`);
    const signature = { id: String(delivery?.headers['webhook-id']), timestamp: String(delivery?.headers['webhook-timestamp']), signature: String(delivery?.headers['webhook-signature']) };
    expect(verifyWebhook(LEGACY_SECRET, signature, delivery?.body ?? '', Date.now() / 1000)).toBe(true);
    // The message log records where it went with the credentials masked.
    const logged = await rapport?.database.db.selectFrom('messages').select('address').where('channel', '=', 'webhook').execute();
    expect(logged?.map((row) => row.address)).toEqual([`http://***:***@127.0.0.1:${port}/legacy`]);

    // The legacy segment destination syncs too, signed with its old secret.
    const upload = await rapport?.app.inject({
      method: 'POST',
      url: `/api/v1/segments/${segment?.id ?? ''}/members`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
      payload: `profile_id\n${profileId}\n`,
    });
    expect(upload?.statusCode).toBe(200);
    const synced = await waitFor('the legacy segment sync', () => seen.find((entry) => entry.url === '/legacy-segment'), 20_000);
    const syncSignature = { id: String(synced.headers['webhook-id']), timestamp: String(synced.headers['webhook-timestamp']), signature: String(synced.headers['webhook-signature']) };
    expect(verifyWebhook(LEGACY_SECRET, syncSignature, synced.body, Date.now() / 1000)).toBe(true);
  });

  it('with the key lost, listings still answer and sends say which key is missing', async () => {
    await start({ RAPPORT_SECRET_KEY: randomBytes(32).toString('hex') });
    const listed = await call<{ destinations: { id: string; url: string }[] }>('GET', '/api/v1/channels/webhooks');
    expect(listed.status).toBe(200);
    expect(listed.body.destinations.find((entry) => entry.id === 'whk_legacy')?.url).toBe('sealed with a key this server does not hold');
    expect((await call('GET', '/api/v1/segments')).status).toBe(200);
    const profileId = (await call<{ id: string }>('GET', '/api/v1/profiles/lookup?type=user_id&value=cy')).body.id;
    const templateId = (await call<{ id: string }>('POST', '/api/v1/templates', { name: 'hook 2', channel: 'webhook', source: { default: { body: '{"a":1}' } } })).body.id;
    const sent = await call<{ error: { code: string; message: string } }>('POST', '/api/v1/channels/send', {
      profileId,
      channel: 'webhook',
      templateId,
      idempotencyKey: 'lost-1',
      data: { destinationId: 'whk_legacy' },
    });
    expect(sent.status).toBe(503);
    expect(sent.body.error.message).toContain(`sealed with key ${new SecretBox(parseSecretKey(keyB)).keyId}`);
  });
});
