import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, listen, startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * The OpenAPI document carries the modules' real schemas of conditions, journey definitions,
 * templates and experiments, route validation still answers with the service's messages, and
 * the interactive reference page at /api/v1/docs loads offline in headless Chromium.
 */

type Json = Record<string, unknown>;
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(os.tmpdir(), 'rapport-artifacts', 'api-reference');

function record(value: unknown): Json {
  expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  return Object.fromEntries(Object.entries(value ?? {}));
}

function at(value: unknown, ...keys: string[]): Json {
  let current: unknown = value;
  for (const key of keys) current = record(current)[key];
  return record(current);
}

function bodySchema(document: unknown, route: string, method: string): Json {
  return at(document, 'paths', route, method, 'requestBody', 'content', 'application/json', 'schema');
}

for (const dialect of dialects) {
  describe(`admin API reference (${dialect})`, () => {
    let test: TestRapport;
    let document: unknown;

    beforeAll(async () => {
      test = await startTestRapport(dialect);
      const response = await test.rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      expect(response.statusCode).toBe(200);
      document = response.json();
    });
    afterAll(async () => test.stop());

    it('describes segment conditions with the recursive Condition schema', () => {
      const schemas = at(document, 'components', 'schemas');
      expect(at(bodySchema(document, '/api/v1/segments', 'post'), 'properties', 'condition')).toEqual({ $ref: '#/components/schemas/Condition' });
      expect(at(bodySchema(document, '/api/v1/segments/estimate', 'post'), 'properties', 'condition')).toEqual({ $ref: '#/components/schemas/Condition' });
      const condition = JSON.stringify(schemas.Condition);
      for (const type of ['and', 'or', 'not']) expect(condition).toContain(`"enum":["${type}"]`);
      expect(condition).toContain('"items":{"$ref":"#/components/schemas/Condition"}');
      expect(condition).toContain('"$ref":"#/components/schemas/EventCondition"');
      expect(JSON.stringify(schemas.EventCondition)).toContain('"$ref":"#/components/schemas/EventWindow"');
    });

    it('describes journey definitions, templates and experiments with their modules’ schemas', () => {
      const schemas = at(document, 'components', 'schemas');
      const journey = bodySchema(document, '/api/v1/journeys', 'post');
      expect(Object.keys(at(journey, 'properties'))).toEqual(expect.arrayContaining(['trigger', 'start', 'nodes', 'settings']));
      expect(at(journey, 'properties', 'trigger')).toEqual({ $ref: '#/components/schemas/JourneyTrigger' });
      expect(at(journey, 'properties', 'nodes', 'items')).toEqual({ $ref: '#/components/schemas/JourneyNode' });
      expect(JSON.stringify(schemas.JourneyNode)).toContain('"$ref":"#/components/schemas/Condition"');
      const template = at(bodySchema(document, '/api/v1/templates', 'post'), 'properties', 'source');
      expect(JSON.stringify(template)).toContain('"subject"');
      expect(Object.keys(at(bodySchema(document, '/api/v1/experiments', 'post'), 'properties'))).toEqual(expect.arrayContaining(['key', 'variants', 'metrics', 'analysis']));
      expect(Object.keys(at(schemas, 'ExperimentInput', 'properties'))).toEqual(expect.arrayContaining(['key', 'variants', 'metrics']));
    });

    it('points every reference at a component and leaks no internal marker', () => {
      const text = JSON.stringify(document);
      const names = new Set(Object.keys(at(document, 'components', 'schemas')));
      const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1] ?? '');
      expect(refs.length).toBeGreaterThan(20);
      expect(refs.filter((ref) => !names.has(ref.replace('#/components/schemas/', '')))).toEqual([]);
      expect(text).not.toContain('"$id"');
      expect(text).not.toContain('documentedAs');
    });

    it('still validates conditions in the service, naming the bad node', async () => {
      const response = await test.rapport.app.inject({
        method: 'POST',
        url: '/api/v1/segments',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { name: 'bad', condition: { type: 'and', conditions: [{ type: 'event', event: 'Order Completed', window: { amount: 2, unit: 'fortnights' } }] } },
      });
      expect(response.statusCode).toBe(400);
      const fields = JSON.stringify(response.json());
      expect(fields).toContain('conditions[0].window');
      expect(fields.match(/must be equal to constant/g) ?? []).toEqual([]);
    });
  });
}

describe('interactive API reference page (headless Chromium)', () => {
  let test: TestRapport;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    test = await startTestRapport('sqlite');
    base = (await listen(test.rapport)).url;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser.close();
    // The test's own fetch keeps its connection alive; the server would wait for it on close.
    test.rapport.app.server.closeAllConnections();
    await test.stop();
  });

  it('is served without a token, from Rapport itself, and exposes no data', async () => {
    const page = await fetch(`${base}/api/v1/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).not.toMatch(/https?:\/\//);
    expect((await fetch(`${base}/api/v1/docs/swagger-ui-bundle.js`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/segments`)).status).toBe(401);
  });

  it('renders the document and the Condition schema of POST /segments with no request leaving the server', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const foreign: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${base}/api/v1/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
    await expect(page.locator('.info .title').first().textContent()).resolves.toContain('Rapport admin API');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'reference.png') });
    // The operations are grouped by tag, in the order the modules mount their routes: sign-in
    // (the users module's public routes) is the first documented route.
    expect(await page.locator('.opblock-tag').first().textContent()).toContain('users');
    // Swagger UI renders only the operations near the viewport; a deep link opens one.
    const linked = await context.newPage();
    linked.on('pageerror', (error) => errors.push(error.message));
    await linked.goto(`${base}/api/v1/docs#/segments/post_api_v1_segments`);
    const operation = linked.locator('#operations-segments-post_api_v1_segments');
    await operation.locator('.body-param, .opblock-section-request-body').first().waitFor({ timeout: 20_000 });
    expect(await operation.innerText()).toContain('"conditions"');
    await operation.locator('.opblock-section-request-body').getByText('Schema', { exact: true }).click();
    await expect.poll(async () => operation.innerText()).toContain('Condition');
    await linked.screenshot({ path: path.join(ARTIFACTS, 'segments-post.png') });
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
