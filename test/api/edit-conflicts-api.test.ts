import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * Two people editing one template, snippet, on-site campaign, experiment, the brand, identity rules,
 * a recommendation strategy's rules or a consent topic's label: the second save, made from what the
 * first one replaced, answers 409 with the code the app shows instead of burying the first
 * edit; a save without the expectation still overwrites (scripts, "overwrite" in the app).
 */

const experiment = (name: string) => ({
  key: 'free-shipping',
  name,
  variants: [
    { key: 'control', weight: 0.5 },
    { key: 'free', weight: 0.5 },
  ],
  metrics: [{ id: 'purchase', name: 'Purchase rate', kind: 'conversion', event: 'Order Completed' }],
});
const brand = (shopName: string) => ({ shopName, shopUrl: 'https://shop.example' });
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const source = (text: string) => ({ default: { title: text, body: `${text} body` } });
const content = (headline: string) => ({ headline, cta: 'Go' });
const campaign = (headline: string) => ({
  name: 'Welcome bar',
  type: 'hello_bar',
  triggers: [{ type: 'page_load' }],
  audience: [],
  caps: { frequency: 'session' },
  defaultLocale: 'en',
  variants: [{ key: 'a', weight: 1, content: { en: content(headline) } }],
});

describe.each(dialects)('edit conflicts (%s)', (dialect) => {
  let test: TestRapport;
  const clock = manualClock(Date.UTC(2026, 2, 1, 9));
  const call = async <T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown) => {
    clock.advance(1000);
    const response = await test.rapport.app.inject({ method, url, headers: admin, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
    return { status: response.statusCode, body: response.json<T>() };
  };
  type Failure = { error: { code: string; type: string; issues: { field: string; rule: string; message: string }[] } };

  beforeAll(async () => {
    test = await startTestRapport(dialect, {}, { rapport: { clock } });
  });
  afterAll(async () => test?.stop());

  it('answers template.edit_conflict to a save made from a version someone else replaced', async () => {
    const created = await call<{ id: string; latestVersion: number }>('POST', '/api/v1/templates', { name: 'Note', channel: 'inbox', source: source('v1') });
    expect(created.status).toBe(201);
    const id = created.body.id;
    // Ann and Bob both opened version 1; Ann saves first.
    const ann = await call<{ latestVersion: number }>('PUT', `/api/v1/templates/${id}`, { source: source('ann'), expectedVersion: 1 });
    expect(ann.status).toBe(200);
    expect(ann.body.latestVersion).toBe(2);
    const bob = await call<Failure>('PUT', `/api/v1/templates/${id}`, { source: source('bob'), expectedVersion: 1 });
    expect(bob.status).toBe(409);
    expect(bob.body.error).toMatchObject({ code: 'template.edit_conflict', type: 'conflict', issues: [{ field: 'expectedVersion', rule: 'conflict', message: '2' }] });
    const kept = await call<{ source: unknown; latestVersion: number }>('GET', `/api/v1/templates/${id}`);
    expect(kept.body).toMatchObject({ latestVersion: 2, source: source('ann') });
    // Bob reloads (version 2) and saves, or chooses to overwrite without the expectation.
    expect((await call('PUT', `/api/v1/templates/${id}`, { source: source('bob'), expectedVersion: 2 })).status).toBe(200);
    expect((await call<{ latestVersion: number }>('PUT', `/api/v1/templates/${id}`, { source: source('script') })).body.latestVersion).toBe(4);
    expect((await call('PUT', `/api/v1/templates/${id}`, { source: source('x'), expectedVersion: 0 })).status).toBe(400);
  });

  it('answers onsite.edit_conflict to a save made from a campaign someone else replaced', async () => {
    const created = await call<{ id: string; updatedAt: string }>('POST', '/api/v1/onsite/campaigns', campaign('Hello'));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, updatedAt: read } = created.body;
    const ann = await call<{ updatedAt: string }>('PUT', `/api/v1/onsite/campaigns/${id}?expectedUpdatedAt=${encodeURIComponent(read)}`, campaign('Ann'));
    expect(ann.status, JSON.stringify(ann.body)).toBe(200);
    expect(ann.body.updatedAt).not.toBe(read);
    const bob = await call<Failure>('PUT', `/api/v1/onsite/campaigns/${id}?expectedUpdatedAt=${encodeURIComponent(read)}`, campaign('Bob'));
    expect(bob.status).toBe(409);
    expect(bob.body.error).toMatchObject({ code: 'onsite.edit_conflict', type: 'conflict', issues: [{ field: 'expectedUpdatedAt', rule: 'conflict', message: ann.body.updatedAt }] });
    const kept = await call<{ variants: { content: { en: { headline: string } } }[] }>('GET', `/api/v1/onsite/campaigns/${id}`);
    expect(kept.body.variants[0]?.content.en.headline).toBe('Ann');
    expect((await call('PUT', `/api/v1/onsite/campaigns/${id}?expectedUpdatedAt=${encodeURIComponent(ann.body.updatedAt)}`, campaign('Bob'))).status).toBe(200);
    expect((await call('PUT', `/api/v1/onsite/campaigns/${id}`, campaign('Script'))).status).toBe(200);
    const bad = await call<Failure>('PUT', `/api/v1/onsite/campaigns/${id}?expectedUpdatedAt=yesterday`, campaign('X'));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'onsite.date_invalid', issues: [{ field: 'expectedUpdatedAt' }] });
  });

  it('answers snippet.edit_conflict to a save made from a version someone else replaced', async () => {
    expect((await call('PUT', '/api/v1/snippets/footer', { source: '<p>v1</p>' })).status).toBe(201);
    const ann = await call<{ version: number }>('PUT', '/api/v1/snippets/footer', { source: '<p>ann</p>', expectedVersion: 1 });
    expect(ann.body.version).toBe(2);
    const bob = await call<Failure>('PUT', '/api/v1/snippets/footer', { source: '<p>bob</p>', expectedVersion: 1 });
    expect(bob.status).toBe(409);
    expect(bob.body.error).toMatchObject({ code: 'snippet.edit_conflict', type: 'conflict', issues: [{ field: 'expectedVersion', rule: 'conflict', message: '2' }] });
    expect((await call<{ source: string }>('GET', '/api/v1/snippets/footer')).body.source).toBe('<p>ann</p>');
    expect((await call('PUT', '/api/v1/snippets/footer', { source: '<p>bob</p>', expectedVersion: 2 })).status).toBe(200);
    // Without the expectation a save always lands (scripts; "save mine over theirs" in the app).
    expect((await call<{ version: number }>('PUT', '/api/v1/snippets/footer', { source: '<p>script</p>' })).body.version).toBe(4);
    expect((await call('PUT', '/api/v1/snippets/footer', { source: 'x', expectedVersion: 0 })).status).toBe(400);
    // A first save expecting a version finds none: someone deleted it, or it never was.
    expect((await call<Failure>('PUT', '/api/v1/snippets/header', { source: 'x', expectedVersion: 1 })).body.error).toMatchObject({ code: 'snippet.edit_conflict', issues: [{ message: '0' }] });
  });

  it('answers experiment.edit_conflict to a save made from an experiment someone else replaced', async () => {
    const created = await call<{ id: string; updatedAt: string }>('POST', '/api/v1/experiments', experiment('Free shipping'));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, updatedAt: read } = created.body;
    const ann = await call<{ updatedAt: string }>('PUT', `/api/v1/experiments/${id}?expectedUpdatedAt=${encodeURIComponent(read)}`, experiment('Ann'));
    expect(ann.status, JSON.stringify(ann.body)).toBe(200);
    const bob = await call<Failure>('PUT', `/api/v1/experiments/${id}?expectedUpdatedAt=${encodeURIComponent(read)}`, experiment('Bob'));
    expect(bob.status).toBe(409);
    expect(bob.body.error).toMatchObject({ code: 'experiment.edit_conflict', type: 'conflict', issues: [{ field: 'expectedUpdatedAt', rule: 'conflict', message: ann.body.updatedAt }] });
    expect((await call<{ name: string }>('GET', `/api/v1/experiments/${id}`)).body.name).toBe('Ann');
    expect((await call('PUT', `/api/v1/experiments/${id}?expectedUpdatedAt=${encodeURIComponent(ann.body.updatedAt)}`, experiment('Bob'))).status).toBe(200);
    expect((await call('PUT', `/api/v1/experiments/${id}`, experiment('Script'))).status).toBe(200);
    expect((await call<Failure>('PUT', `/api/v1/experiments/${id}?expectedUpdatedAt=soon`, experiment('X'))).body.error).toMatchObject({ issues: [{ field: 'expectedUpdatedAt' }] });
  });

  it('answers brand.edit_conflict to a save made over a brand someone else saved, the first one included', async () => {
    const read = await call<{ updatedAt: string | null }>('GET', '/api/v1/settings/brand');
    expect(read.body.updatedAt).toBeNull();
    // Two people set up the brand at once: "never" is the expectation of the first save.
    const ann = await call<{ updatedAt: string; shopName: string }>('PUT', '/api/v1/settings/brand?expectedUpdatedAt=never', brand('Ann & Co'));
    expect(ann.status, JSON.stringify(ann.body)).toBe(200);
    expect(ann.body.updatedAt).not.toBeNull();
    const bob = await call<Failure>('PUT', '/api/v1/settings/brand?expectedUpdatedAt=never', brand('Bob & Co'));
    expect(bob.status).toBe(409);
    expect(bob.body.error).toMatchObject({ code: 'brand.edit_conflict', issues: [{ field: 'expectedUpdatedAt', rule: 'conflict', message: ann.body.updatedAt }] });
    const carol = await call<{ updatedAt: string }>('PUT', `/api/v1/settings/brand?expectedUpdatedAt=${encodeURIComponent(ann.body.updatedAt)}`, brand('Carol & Co'));
    expect(carol.status).toBe(200);
    expect((await call<Failure>('PUT', `/api/v1/settings/brand?expectedUpdatedAt=${encodeURIComponent(ann.body.updatedAt)}`, brand('Dan & Co'))).status).toBe(409);
    expect((await call<{ shopName: string }>('GET', '/api/v1/settings/brand')).body.shopName).toBe('Carol & Co');
    expect((await call('PUT', '/api/v1/settings/brand', brand('Script'))).status).toBe(200);
    expect((await call<Failure>('PUT', '/api/v1/settings/brand?expectedUpdatedAt=yesterday', brand('X'))).body.error).toMatchObject({ issues: [{ field: 'expectedUpdatedAt' }] });
  });

  it("answers identity.edit_conflict to identity rules saved over someone else's", async () => {
    const read = await call<{ updatedAt: string | null }>('GET', '/api/v1/identity-rules');
    expect(read.status).toBe(200);
    expect(read.body.updatedAt).toBeNull();
    const ann = await call<{ updatedAt: string; overrides: unknown }>('PUT', '/api/v1/identity-rules?expectedUpdatedAt=never', { blockedValues: ['ann@example.com'] });
    expect(ann.status, JSON.stringify(ann.body)).toBe(200);
    expect(ann.body.updatedAt).not.toBeNull();
    const bob = await call<Failure>('PUT', '/api/v1/identity-rules?expectedUpdatedAt=never', { blockedValues: ['bob@example.com'] });
    expect(bob.status).toBe(409);
    expect(bob.body.error).toMatchObject({ code: 'identity.edit_conflict', issues: [{ field: 'expectedUpdatedAt', rule: 'conflict', message: ann.body.updatedAt }] });
    expect((await call<{ overrides: unknown }>('GET', '/api/v1/identity-rules')).body.overrides).toEqual({ blockedValues: ['ann@example.com'] });
    expect((await call('PUT', `/api/v1/identity-rules?expectedUpdatedAt=${encodeURIComponent(ann.body.updatedAt)}`, { blockedValues: ['bob@example.com'] })).status).toBe(200);
    expect((await call('PUT', '/api/v1/identity-rules', { blockedValues: [] })).status).toBe(200);
    expect((await call<Failure>('PUT', '/api/v1/identity-rules?expectedUpdatedAt=x', {})).body.error).toMatchObject({ issues: [{ field: 'expectedUpdatedAt' }] });
  });

  it("answers recommendation.edit_conflict to a strategy's rules saved over someone else's", async () => {
    const read = await call<{ rules: Record<string, unknown>; updatedAt: Record<string, string> }>('GET', '/api/v1/recommendations/rules');
    expect(read.body.updatedAt['for-you']).toBeUndefined();
    // Ann and Bob both opened for-you without rules: "never" is what they read.
    const ann = await call('PUT', '/api/v1/recommendations/rules/for-you?expectedUpdatedAt=never', { maxPerBrand: 2 });
    expect(ann.status, JSON.stringify(ann.body)).toBe(200);
    const annAt = (await call<{ updatedAt: Record<string, string> }>('GET', '/api/v1/recommendations/rules')).body.updatedAt['for-you'];
    expect(annAt).toEqual(expect.any(String));
    const bob = await call<Failure>('PUT', '/api/v1/recommendations/rules/for-you?expectedUpdatedAt=never', { maxPerBrand: 5 });
    expect(bob.status).toBe(409);
    expect(bob.body.error).toMatchObject({ code: 'recommendation.edit_conflict', type: 'conflict', issues: [{ field: 'expectedUpdatedAt', rule: 'conflict', message: annAt }] });
    // Another strategy's stamp is its own: * saved now does not make for-you stale.
    expect((await call('PUT', '/api/v1/recommendations/rules/*?expectedUpdatedAt=never', { inStockOnly: true })).status).toBe(200);
    const carol = await call('PUT', `/api/v1/recommendations/rules/for-you?expectedUpdatedAt=${encodeURIComponent(annAt ?? '')}`, { maxPerBrand: 3 });
    expect(carol.status).toBe(200);
    expect((await call<Failure>('PUT', `/api/v1/recommendations/rules/for-you?expectedUpdatedAt=${encodeURIComponent(annAt ?? '')}`, { maxPerBrand: 9 })).status).toBe(409);
    expect((await call<{ rules: Record<string, unknown> }>('GET', '/api/v1/recommendations/rules')).body.rules['for-you']).toEqual({ maxPerBrand: 3 });
    expect((await call('PUT', '/api/v1/recommendations/rules/for-you', { maxPerBrand: 4 })).status).toBe(200);
    expect((await call<Failure>('PUT', '/api/v1/recommendations/rules/for-you?expectedUpdatedAt=soon', {})).body.error).toMatchObject({ issues: [{ field: 'expectedUpdatedAt' }] });
  });

  it("answers consent.topic_edit_conflict to a label saved over someone else's, built-in topics included", async () => {
    type Topic = { key: string; label: string; updatedAt: string | null };
    const read = await call<{ topics: Topic[] }>('GET', '/api/v1/consent/topics');
    const builtIn = read.body.topics[0];
    expect(builtIn?.updatedAt).toBeNull();
    const key = builtIn?.key ?? '';
    // A built-in label never changed: "never" is what both read.
    const ann = await call<Topic>('PATCH', `/api/v1/consent/topics/${key}?expectedUpdatedAt=never`, { label: 'Ann' });
    expect(ann.status, JSON.stringify(ann.body)).toBe(200);
    const bob = await call<Failure>('PATCH', `/api/v1/consent/topics/${key}?expectedUpdatedAt=never`, { label: 'Bob' });
    expect(bob.status).toBe(409);
    expect(bob.body.error).toMatchObject({ code: 'consent.topic_edit_conflict', type: 'conflict', issues: [{ field: 'expectedUpdatedAt', rule: 'conflict', message: ann.body.updatedAt }] });
    const carol = await call<Topic>('PATCH', `/api/v1/consent/topics/${key}?expectedUpdatedAt=${encodeURIComponent(ann.body.updatedAt ?? '')}`, { label: 'Carol' });
    expect(carol.status).toBe(200);
    expect((await call<Failure>('PATCH', `/api/v1/consent/topics/${key}?expectedUpdatedAt=${encodeURIComponent(ann.body.updatedAt ?? '')}`, { label: 'Dan' })).status).toBe(409);
    expect((await call<{ topics: Topic[] }>('GET', '/api/v1/consent/topics')).body.topics.find((topic) => topic.key === key)?.label).toBe('Carol');
    // A topic the workspace added: its stamp from the list, a stale one refused; no expectation overwrites.
    const added = await call<Topic>('POST', '/api/v1/consent/topics', { key: 'restock', label: 'Back in stock' });
    expect(added.status).toBe(201);
    const first = await call<Topic>('PATCH', `/api/v1/consent/topics/restock?expectedUpdatedAt=${encodeURIComponent(added.body.updatedAt ?? '')}`, { label: 'Restocks' });
    expect(first.status).toBe(200);
    expect((await call<Failure>('PATCH', `/api/v1/consent/topics/restock?expectedUpdatedAt=${encodeURIComponent(added.body.updatedAt ?? '')}`, { label: 'Old' })).body.error).toMatchObject({
      code: 'consent.topic_edit_conflict',
      issues: [{ message: first.body.updatedAt }],
    });
    expect((await call<Failure>('PATCH', '/api/v1/consent/topics/restock?expectedUpdatedAt=never', { label: 'Never' })).status).toBe(409);
    expect((await call('PATCH', '/api/v1/consent/topics/restock', { label: 'Script' })).status).toBe(200);
    expect((await call<Failure>('PATCH', '/api/v1/consent/topics/nope?expectedUpdatedAt=never', { label: 'X' })).status).toBe(404);
    expect((await call<Failure>('PATCH', '/api/v1/consent/topics/restock?expectedUpdatedAt=later', { label: 'X' })).body.error).toMatchObject({ issues: [{ field: 'expectedUpdatedAt' }] });
  });
});
