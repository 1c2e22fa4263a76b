import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const ALL = ['track', 'identify', 'import', 'onsite'];

interface CreatedKey {
  id: string;
  key: string;
  scopes: string[];
}

describe.each(dialects)('write-key scopes (%s)', (dialect) => {
  let env: TestRapport;
  let trackOnly: CreatedKey;
  let importOnly: CreatedKey;

  async function createKey(body: Record<string, unknown>) {
    return env.rapport.app.inject({ method: 'POST', url: '/api/v1/write-keys', headers: admin, payload: body });
  }

  beforeAll(async () => {
    env = await startTestRapport(dialect);
    const created = await createKey({ name: 'Server events', scopes: ['track'] });
    expect(created.statusCode).toBe(201);
    trackOnly = created.json();
    importOnly = (await createKey({ name: 'Backfill', scopes: ['import'] })).json();
  });

  afterAll(async () => {
    await env.stop();
  });

  const post = (key: string, url: string, payload: unknown) => env.rapport.app.inject({ method: 'POST', url, headers: { authorization: basicAuth(key) }, payload: JSON.stringify(payload) });

  it('keeps today’s behaviour for existing keys and keys created without scopes: every scope, stored as NULL', async () => {
    const plain = (await createKey({ name: 'Storefront' })).json();
    expect(plain.scopes).toEqual(ALL);
    const listed = (await env.rapport.app.inject({ method: 'GET', url: '/api/v1/write-keys', headers: admin })).json().writeKeys as CreatedKey[];
    expect(listed.find((key) => key.key === WRITE_KEY)?.scopes).toEqual(ALL);
    expect(listed.find((key) => key.id === trackOnly.id)?.scopes).toEqual(['track']);
    const row = await env.rapport.database.db.selectFrom('write_keys').select('scopes').where('key', '=', WRITE_KEY).executeTakeFirstOrThrow();
    expect(row.scopes).toBeNull();
    for (const [url, payload] of [
      ['/v1/identify', { userId: 'u-all', traits: { plan: 'pro' } }],
      ['/v1/import', { batch: [{ type: 'track', userId: 'u-all', event: 'Imported' }] }],
    ] as const) {
      expect((await post(WRITE_KEY, url, payload)).statusCode).toBe(200);
    }
  });

  it('refuses a single call whose type needs a scope the key lacks with 403 naming the scope', async () => {
    expect((await post(trackOnly.key, '/v1/track', { userId: 'u1', event: 'Viewed' })).statusCode).toBe(200);
    expect((await post(trackOnly.key, '/v1/p', { userId: 'u1', name: 'Home' })).statusCode).toBe(200);
    for (const url of ['/v1/identify', '/v1/alias', '/v1/group', '/v1/i']) {
      const refused = await post(trackOnly.key, url, { userId: 'u1', previousId: 'a', groupId: 'g', traits: {} });
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json().error).toMatchObject({ code: 'forbidden', issues: [{ field: 'scopes', rule: 'required' }] });
      expect(refused.json().error.message).toContain('"identify" scope');
    }
    const importing = await post(trackOnly.key, '/v1/import', { batch: [{ type: 'track', userId: 'u1', event: 'Old' }] });
    expect(importing.statusCode).toBe(403);
    expect(importing.json().error.message).toContain('"import" scope');
  });

  it('rejects only the batch items the key may not send; their siblings are stored', async () => {
    const response = await post(trackOnly.key, '/v1/batch', {
      batch: [
        { type: 'track', userId: 'u2', event: 'Kept', messageId: 'scope-kept' },
        { type: 'identify', userId: 'u2', traits: { plan: 'x' }, messageId: 'scope-refused' },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, code: 'scope_missing', field: 'batch[1].type' }] });
    expect(response.json().rejected[0].message).toContain('"identify" scope');
    const stored = async (messageId: string) => (await env.rapport.app.inject({ method: 'GET', url: `/api/v1/events?messageId=${messageId}`, headers: admin })).json().events.length;
    expect(await stored('scope-kept')).toBe(1);
    expect(await stored('scope-refused')).toBe(0);
  });

  it('lets an import-only key use /v1/import for any type and nothing else', async () => {
    const imported = await post(importOnly.key, '/v1/import', {
      batch: [
        { type: 'identify', userId: 'u3', traits: {} },
        { type: 'track', userId: 'u3', event: 'Old' },
      ],
    });
    expect(imported.statusCode).toBe(200);
    expect(imported.json()).toMatchObject({ accepted: 2 });
    expect((await post(importOnly.key, '/v1/track', { userId: 'u3', event: 'Now' })).statusCode).toBe(403);
    const batch = await post(importOnly.key, '/v1/batch', { batch: [{ type: 'track', userId: 'u3', event: 'Now' }] });
    expect(batch.json()).toMatchObject({ accepted: 0, rejected: [{ code: 'scope_missing' }] });
  });

  it('requires the onsite scope on the browser on-site endpoints', async () => {
    const recommendations = (key: string) => env.rapport.app.inject({ method: 'GET', url: `/v1/recommendations?strategy=trending&writeKey=${key}&anonymousId=a1` });
    const refused = await recommendations(trackOnly.key);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain('"onsite" scope');
    expect((await recommendations(WRITE_KEY)).statusCode).not.toBe(403);
    const assign = await env.rapport.app.inject({ method: 'POST', url: '/v1/experiments/assign', payload: { writeKey: trackOnly.key, anonymousId: 'a1' } });
    expect(assign.statusCode).toBe(403);
    const inbox = await env.rapport.app.inject({ method: 'GET', url: `/v1/inbox?writeKey=${trackOnly.key}&anonymousId=a1` });
    expect(inbox.statusCode).toBe(403);
  });

  it('refuses unknown or empty scopes at creation, naming the field', async () => {
    for (const scopes of [['track', 'admin'], [], ['read']]) {
      const response = await createKey({ name: 'Bad', scopes });
      expect(response.statusCode, JSON.stringify(scopes)).toBe(400);
      expect(JSON.stringify(response.json())).toContain('scopes');
    }
  });
});
