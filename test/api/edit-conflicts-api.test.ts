import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * Two people editing one template or one on-site campaign: the second save, made from what the
 * first one replaced, answers 409 with the code the app shows instead of burying the first
 * edit; a save without the expectation still overwrites (scripts, "overwrite" in the app).
 */

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
  const call = async <T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => {
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
});
