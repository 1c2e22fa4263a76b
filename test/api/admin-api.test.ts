import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { channelNames } from '../../src/shared/channel.js';
import { SlotProductSchema } from '../../src/templates/recommendation-slot.js';
import { tempDir } from '../helpers/databases.js';

describe('admin API', () => {
  let rapport: Rapport;
  let dir: string;
  const admin = { authorization: 'Bearer ADM' };

  beforeAll(async () => {
    dir = tempDir();
    rapport = await createRapport(loadConfig({ RAPPORT_DATA_DIR: dir, RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK', RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_LOG_LEVEL: 'silent' }));
  });
  afterAll(async () => {
    await rapport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz without credentials', async () => {
    const response = await rapport.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    // The modules' health checks are shown beside the store's answer (the processor: its thread, when it has one).
    expect(response.json()).toEqual({ status: 'ok', database: 'ok', version: expect.any(String), modules: { processor: 'ok' } });
  });

  it('answers /healthz 503 when the store is unreachable', async () => {
    const otherDir = tempDir();
    const broken = await createRapport(loadConfig({ RAPPORT_DATA_DIR: otherDir, RAPPORT_LOG_LEVEL: 'silent' }), { processor: 'off' });
    await broken.database.close();
    const response = await broken.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'unavailable', database: 'unreachable' });
    await broken.app.close();
    fs.rmSync(otherDir, { recursive: true, force: true });
  });

  it('refuses requests without a valid bearer token, naming what to send', async () => {
    const missing = await rapport.app.inject({ method: 'GET', url: '/api/v1/write-keys' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.message).toContain('Bearer');
    const wrong = await rapport.app.inject({ method: 'GET', url: '/api/v1/write-keys', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
  });

  it('serves the OpenAPI document describing the admin routes', async () => {
    const response = await rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/workspaces', '/api/v1/write-keys', '/api/v1/admin-tokens', '/api/v1/events']));
  });

  it('shows in the OpenAPI document the one schema of each concept the routes use', async () => {
    const doc = (await rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const enumOf = (schema: { anyOf: { enum: string[] }[] }) => schema.anyOf.flatMap((literal) => literal.enum);
    // Channel names: the template body and the privacy routes read ChannelNameSchema.
    expect(enumOf(doc.paths['/api/v1/templates'].post.requestBody.content['application/json'].schema.properties.channel)).toEqual([...channelNames]);
    // A segment answers with SegmentSchema, whose condition is documented as the Condition tree.
    expect(doc.paths['/api/v1/segments'].get.responses['200'].content['application/json'].schema.properties.segments.items).toEqual({ $ref: '#/components/schemas/Segment' });
    expect(doc.components.schemas.Segment.properties.condition.anyOf[0]).toEqual({ $ref: '#/components/schemas/Condition' });
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Condition', 'TraitCondition', 'RandomBucketCondition']));
    // A recommended item is the templates' product card plus where it came from.
    const item = doc.paths['/api/v1/recommendations'].get.responses['200'].content['application/json'].schema.properties.items.items;
    expect(Object.keys(item.properties)).toEqual([...Object.keys(SlotProductSchema.properties), 'strategy', 'score', 'pinned']);
  });

  it('creates a workspace whose token sees only that workspace', async () => {
    const created = await rapport.app.inject({ method: 'POST', url: '/api/v1/workspaces', headers: admin, payload: { id: 'shop-b', name: 'Shop B' } });
    expect(created.statusCode).toBe(201);
    const { adminToken, writeKey } = created.json();
    const own = { authorization: `Bearer ${adminToken.secret}` };
    const listed = await rapport.app.inject({ method: 'GET', url: '/api/v1/workspaces', headers: own });
    expect(listed.json().workspaces.map((w: { id: string }) => w.id)).toEqual(['shop-b']);
    const escape = await rapport.app.inject({ method: 'GET', url: '/api/v1/write-keys', headers: { ...own, 'x-rapport-workspace': 'default' } });
    expect(escape.statusCode).toBe(403);
    const forbidden = await rapport.app.inject({ method: 'POST', url: '/api/v1/workspaces', headers: own, payload: { id: 'shop-c', name: 'C' } });
    expect(forbidden.statusCode).toBe(403);

    // Events sent with shop-b's key land in shop-b only.
    const sent = await rapport.app.inject({ method: 'POST', url: '/v1/track', payload: { writeKey: writeKey.key, userId: 'u', event: 'E', messageId: 'iso-1' } });
    expect(sent.statusCode).toBe(200);
    const inB = await rapport.app.inject({ method: 'GET', url: '/api/v1/events?messageId=iso-1', headers: own });
    expect(inB.json().events).toHaveLength(1);
    const inDefault = await rapport.app.inject({ method: 'GET', url: '/api/v1/events?messageId=iso-1', headers: admin });
    expect(inDefault.json().events).toHaveLength(0);
    const chosen = await rapport.app.inject({ method: 'GET', url: '/api/v1/events?messageId=iso-1', headers: { ...admin, 'x-rapport-workspace': 'shop-b' } });
    expect(chosen.json().events).toHaveLength(1);
  });

  it('validates bodies and names the field', async () => {
    const response = await rapport.app.inject({ method: 'POST', url: '/api/v1/workspaces', headers: admin, payload: { id: 'x' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues[0]).toMatchObject({ field: 'body.name', rule: 'required' });
  });

  it('revokes write keys and admin tokens', async () => {
    const key = (await rapport.app.inject({ method: 'POST', url: '/api/v1/write-keys', headers: admin, payload: { name: 'pos' } })).json();
    expect((await rapport.app.inject({ method: 'DELETE', url: `/api/v1/write-keys/${key.id}`, headers: admin })).statusCode).toBe(204);
    const token = (await rapport.app.inject({ method: 'POST', url: '/api/v1/admin-tokens', headers: admin, payload: { name: 'ci' } })).json();
    expect(token.secret).toMatch(/^rpt_/);
    const tokens = (await rapport.app.inject({ method: 'GET', url: '/api/v1/admin-tokens', headers: admin })).json();
    expect(JSON.stringify(tokens)).not.toContain(token.secret);
    expect((await rapport.app.inject({ method: 'DELETE', url: `/api/v1/admin-tokens/${token.token.id}`, headers: admin })).statusCode).toBe(204);
    expect((await rapport.app.inject({ method: 'DELETE', url: '/api/v1/admin-tokens/missing', headers: admin })).statusCode).toBe(404);
  });
});
