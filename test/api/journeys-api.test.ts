import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { listen, startTestRapport, WORKSPACE, type TestRapport } from '../helpers/server.js';

const admin = { authorization: 'Bearer ADM' };

const definition = {
  name: 'API journey',
  trigger: { type: 'api' },
  start: 'wait',
  nodes: [
    { id: 'wait', type: 'wait', duration: { amount: 1, unit: 'hours' }, next: 'mail' },
    { id: 'mail', type: 'send', channel: 'email', templateId: 'hello', next: 'end' },
    { id: 'end', type: 'exit' },
  ],
};

describe.each(dialects)('journeys API on %s', (dialect) => {
  let test: TestRapport;
  beforeAll(async () => {
    // Journey mechanics, not delivery: record what would be sent (recipes name templates that need not exist).
    test = await startTestRapport(dialect, { RAPPORT_JOURNEY_DELIVERY: 'record' });
  });
  afterAll(async () => {
    await test.stop();
  });

  it('creates, validates, activates, enters, reports and dry-runs', async () => {
    const { app } = test.rapport;
    const invalid = await app.inject({ method: 'POST', url: '/api/v1/journeys', headers: admin, payload: { ...definition, nodes: [...definition.nodes, { id: 'lost', type: 'exit' }] } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({
      error: { code: 'journey.definition_invalid', type: 'invalid_request', issues: [{ field: 'nodes[3]', rule: 'unreachable', message: 'node "lost" cannot be reached from the start node "wait"' }] },
    });
    const validation = await app.inject({ method: 'POST', url: '/api/v1/journeys/validate', headers: admin, payload: { ...definition, start: 'nope' } });
    expect(validation.json()).toEqual({ valid: false, issues: [{ field: 'start', rule: 'node', message: 'start names node "nope", which does not exist' }] });

    const created = await app.inject({ method: 'POST', url: '/api/v1/journeys', headers: admin, payload: definition });
    expect(created.statusCode).toBe(201);
    const id: string = created.json().id;
    expect(created.json()).toMatchObject({ status: 'draft', version: 1, definition: { name: 'API journey' } });
    expect((await app.inject({ method: 'POST', url: `/api/v1/journeys/${id}/activate`, headers: admin })).json()).toMatchObject({ status: 'active' });

    const ingest = await app.inject({
      method: 'POST',
      url: '/v1/identify',
      headers: { authorization: `Basic ${Buffer.from('WK_TEST:').toString('base64')}` },
      payload: { userId: 'ann', traits: { email: 'ann@example.com', timezone: 'Europe/Paris' } },
    });
    expect(ingest.statusCode).toBe(200);
    await test.rapport.processor.drain();
    const entered = await app.inject({
      method: 'POST',
      url: `/api/v1/journeys/${id}/enter`,
      headers: admin,
      payload: { identifier: { type: 'user_id', value: 'ann' }, properties: { source: 'test' } },
    });
    expect(entered.statusCode).toBe(200);
    const profileId: string = entered.json().profileId;
    expect(entered.json().runIds).toHaveLength(1);
    const again = await app.inject({ method: 'POST', url: `/api/v1/journeys/${id}/enter`, headers: admin, payload: { profileId } });
    expect(again.json().runIds).toEqual([]);

    const runs = await app.inject({ method: 'GET', url: `/api/v1/journeys/${id}/runs`, headers: admin });
    expect(runs.json().runs).toMatchObject([{ profileId, status: 'active', nodeId: 'wait' }]);
    const report = await app.inject({ method: 'GET', url: `/api/v1/journeys/${id}/report?windowDays=3`, headers: admin });
    expect(report.json()).toMatchObject({ journeyId: id, entered: 1, inProgress: 1, sent: 0, conversionWindowDays: 3 });

    const dry = await app.inject({ method: 'POST', url: `/api/v1/journeys/${id}/dry-run`, headers: admin, payload: { profileId } });
    expect(dry.statusCode).toBe(200);
    expect(dry.json().steps.map((step: { nodeId: string }) => step.nodeId)).toEqual(['wait', 'mail', 'end']);

    const paused = await app.inject({ method: 'POST', url: `/api/v1/journeys/${id}/pause`, headers: admin });
    expect(paused.json()).toMatchObject({ status: 'paused' });
    const updated = await app.inject({ method: 'PUT', url: `/api/v1/journeys/${id}`, headers: admin, payload: { ...definition, name: 'API journey v2' } });
    expect(updated.json()).toMatchObject({ version: 2, name: 'API journey v2' });
    expect((await app.inject({ method: 'GET', url: `/api/v1/journeys/${id}?version=1`, headers: admin })).json()).toMatchObject({ version: 1, definition: { name: 'API journey' } });
    const missing = await app.inject({ method: 'GET', url: '/api/v1/journeys/jny_nope', headers: admin });
    expect(missing.statusCode).toBe(404);
  });

  it('keeps workspace settings and refuses bad ones by field', async () => {
    const { app } = test.rapport;
    const put = await app.inject({
      method: 'PUT',
      url: '/api/v1/journey-settings',
      headers: admin,
      payload: { frequencyCaps: { email: { perDay: 2, perWeek: 5 } }, globalControlPercent: 5, defaultTimeZone: 'Europe/Paris' },
    });
    expect(put.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/v1/journey-settings', headers: admin })).json()).toEqual({
      frequencyCaps: { email: { perDay: 2, perWeek: 5 } },
      globalControlPercent: 5,
      defaultTimeZone: 'Europe/Paris',
    });
    const bad = await app.inject({ method: 'PUT', url: '/api/v1/journey-settings', headers: admin, payload: { defaultTimeZone: 'Mars/Base' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('Mars/Base');
  });

  it('installs a recipe by API; recording delivery creates no templates or coupon pools', async () => {
    const { app } = test.rapport;
    const listed = await app.inject({ method: 'GET', url: '/api/v1/journeys/recipes', headers: admin });
    expect(listed.json().recipes.find((recipe: { name: string }) => recipe.name === 'abandoned-cart')).toMatchObject({
      templates: { reminder: { id: 'cart-reminder', starter: 'cart_reminder' } },
      coupons: { coupon: { id: 'cart-10-off' } },
    });
    const installed = await app.inject({ method: 'POST', url: '/api/v1/journeys/recipes/abandoned-cart', headers: admin, payload: { templates: { reminder: 'my-reminder' } } });
    expect(installed.statusCode).toBe(201);
    expect(installed.json()).toMatchObject({
      journey: { status: 'draft', name: 'Abandoned cart' },
      templates: [
        { role: 'reminder', id: 'my-reminder', created: false },
        { role: 'coupon', id: 'cart-coupon', created: false },
        { role: 'scarcity', id: 'cart-flash-sale', created: false },
      ],
    });
    expect((await app.inject({ method: 'GET', url: '/api/v1/templates', headers: admin })).json()).toEqual({ templates: [] });
    const bad = await app.inject({ method: 'POST', url: '/api/v1/journeys/recipes/nope', headers: admin, payload: {} });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('no recipe "nope"; choose one of abandoned-cart');
  });

  it('refuses an update made against an older version (If-Match) with 409, never overwriting', async () => {
    const { app } = test.rapport;
    const created = await app.inject({ method: 'POST', url: '/api/v1/journeys', headers: admin, payload: { ...definition, name: 'Edited twice' } });
    const id: string = created.json().id;
    const read = await app.inject({ method: 'GET', url: `/api/v1/journeys/${id}`, headers: admin });
    expect(read.headers.etag).toBe('"1"');
    // Two people load version 1; the first saves, the second's save names version 1 too.
    const first = await app.inject({ method: 'PUT', url: `/api/v1/journeys/${id}`, headers: { ...admin, 'if-match': '"1"' }, payload: { ...definition, name: 'First edit' } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ version: 2, name: 'First edit' });
    expect(first.headers.etag).toBe('"2"');
    const second = await app.inject({ method: 'PUT', url: `/api/v1/journeys/${id}`, headers: { ...admin, 'if-match': '"1"' }, payload: { ...definition, name: 'Second edit' } });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ error: { code: 'journey.version_conflict', type: 'conflict' } });
    expect(second.json().error.message).toContain('version 2');
    expect((await app.inject({ method: 'GET', url: `/api/v1/journeys/${id}`, headers: admin })).json()).toMatchObject({ version: 2, name: 'First edit' });
    // A malformed If-Match is a 400 naming the header; no header keeps the old last-write-wins behaviour.
    const malformed = await app.inject({ method: 'PUT', url: `/api/v1/journeys/${id}`, headers: { ...admin, 'if-match': 'yesterday' }, payload: definition });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.issues[0].field).toBe('if-match');
    const weak = await app.inject({ method: 'PUT', url: `/api/v1/journeys/${id}`, headers: { ...admin, 'if-match': 'W/"2"' }, payload: definition });
    expect(weak.json()).toMatchObject({ version: 3 });
    const byQuery = await app.inject({ method: 'PUT', url: `/api/v1/journeys/${id}?expectedVersion=2`, headers: admin, payload: definition });
    expect(byQuery.json().error.code).toBe('journey.version_conflict');
    expect((await app.inject({ method: 'PUT', url: `/api/v1/journeys/${id}`, headers: admin, payload: definition })).json()).toMatchObject({ version: 4 });
  });

  it('streams the list counts and the per-node report as server-sent events', async () => {
    const { url } = await listen(test.rapport);
    const created = await test.rapport.app.inject({ method: 'POST', url: '/api/v1/journeys', headers: admin, payload: { ...definition, name: 'Live' } });
    const id: string = created.json().id;
    const missing = await fetch(`${url}/api/v1/journeys/nope/report/live`, { headers: admin });
    expect(missing.status).toBe(404);
    for (const [path, check] of [
      [`/api/v1/journeys/${id}/report/live`, (data: Record<string, unknown>) => expect(data).toMatchObject({ journeyId: id, entered: 0, nodes: expect.any(Array) })],
      ['/api/v1/journeys/live', (data: Record<string, unknown>) => expect(data.journeys).toEqual(expect.arrayContaining([{ id, status: 'draft', version: 1, entered: 0, inProgress: 0 }]))],
    ] as const) {
      const controller = new AbortController();
      const response = await fetch(`${url}${path}`, { headers: { ...admin, accept: 'text/event-stream' }, signal: controller.signal });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body?.getReader();
      let text = '';
      while (!text.includes('data: ')) text += new TextDecoder().decode((await reader?.read())?.value);
      while (!/data: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader?.read())?.value);
      check(JSON.parse(/data: (.*)\n\n/.exec(text)?.[1] ?? '{}'));
      controller.abort();
    }
  });

  it('documents the routes in OpenAPI', async () => {
    const spec = (await test.rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/journeys', '/api/v1/journeys/{id}/report', '/api/v1/journeys/{id}/dry-run']));
    expect(WORKSPACE).toBe('default');
  });
});
