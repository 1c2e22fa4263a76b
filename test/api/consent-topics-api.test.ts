import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * Consent topics as settings: the workspace lists, adds and relabels the topics its preference
 * pages offer; a person's consent is set per channel and topic; a read-only credential (what an
 * analyst's session carries) may read them and gets 403 for every change.
 */

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
type Topic = { key: string; label: string; builtIn: boolean; updatedAt: string | null };

describe.each(dialects)('consent topics API (%s)', (dialect) => {
  let test: TestRapport;
  let reader: { authorization: string };
  const call = async <T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, headers: Record<string, string> = admin) => {
    const response = await test.rapport.app.inject({
      method,
      url,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: response.json<T>() };
  };

  beforeAll(async () => {
    test = await startTestRapport(dialect);
    const token = await call<{ secret: string }>('POST', '/api/v1/admin-tokens', { name: 'analyst bot', scopes: ['read'] });
    expect(token.status).toBe(201);
    reader = { authorization: `Bearer ${token.body.secret}` };
  });
  afterAll(async () => test?.stop());

  it('lists the built-in topics, adds and relabels topics, and refuses bad or taken keys by field', async () => {
    const first = await call<{ topics: Topic[] }>('GET', '/api/v1/consent/topics');
    expect(first.body.topics.map((topic) => [topic.key, topic.builtIn])).toEqual([
      ['newsletter', true],
      ['promotions', true],
      ['product_news', true],
    ]);
    const added = await call<Topic>('POST', '/api/v1/consent/topics', { key: 'back_in_stock', label: 'Back in stock alerts' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ key: 'back_in_stock', label: 'Back in stock alerts', builtIn: false });
    expect((await call<{ error: { code: string } }>('POST', '/api/v1/consent/topics', { key: 'back_in_stock', label: 'Again' })).body.error.code).toBe('consent.topic_exists');
    expect((await call<{ error: { code: string } }>('POST', '/api/v1/consent/topics', { key: 'promotions', label: 'Again' })).status).toBe(409);
    for (const key of ['all', 'Big Sale', '']) {
      const bad = await call<{ error: { issues?: { field: string }[] } }>('POST', '/api/v1/consent/topics', { key, label: 'x' });
      expect(bad.status, key).toBe(400);
    }
    // Keys are data, never object keys: a prototype name is just a topic.
    expect((await call('POST', '/api/v1/consent/topics', { key: '__proto__', label: 'Odd but valid' })).status).toBe(201);

    expect((await call<Topic>('PATCH', '/api/v1/consent/topics/promotions', { label: 'Deals' })).body).toMatchObject({ key: 'promotions', label: 'Deals', builtIn: true });
    expect((await call<Topic>('PATCH', '/api/v1/consent/topics/back_in_stock', { label: 'Restocks' })).body.label).toBe('Restocks');
    expect((await call('PATCH', '/api/v1/consent/topics/nope', { label: 'x' })).status).toBe(404);
    expect((await call('PATCH', '/api/v1/consent/topics/promotions', { label: '   ' })).status).toBe(400);
    const after = await call<{ topics: Topic[] }>('GET', '/api/v1/consent/topics', undefined, reader);
    expect(after.status).toBe(200);
    expect(after.body.topics.map((topic) => `${topic.key}=${topic.label}`)).toEqual([
      'newsletter=Newsletter and stories',
      'promotions=Deals',
      'product_news=New arrivals, price drops and back in stock',
      '__proto__=Odd but valid',
      'back_in_stock=Restocks',
    ]);
  });

  it("sets a person's consent per channel and topic, and answers 403 to a read-only credential", async () => {
    const sent = await test.rapport.app.inject({
      method: 'POST',
      url: '/v1/identify',
      headers: { authorization: basicAuth(WRITE_KEY) },
      payload: { userId: 'ann', traits: { email: 'ann@example.com' } },
    });
    expect(sent.statusCode).toBe(200);
    await test.rapport.processor.drain();
    const ann = (await call<{ id: string }>('GET', '/api/v1/profiles/lookup?type=user_id&value=ann')).body.id;
    expect((await call('POST', `/api/v1/profiles/${ann}/consent`, { channel: 'email', topic: 'promotions', status: 'unsubscribed', source: 'dashboard' })).status).toBe(201);
    const consent = await call<{ preferences: Record<string, Record<string, string>> }>('GET', `/api/v1/profiles/${ann}/consent`, undefined, reader);
    expect(consent.body.preferences).toEqual({ email: { promotions: 'unsubscribed' } });

    const refused = [
      await call('POST', '/api/v1/consent/topics', { key: 'vip', label: 'VIP' }, reader),
      await call('PATCH', '/api/v1/consent/topics/promotions', { label: 'x' }, reader),
      await call('POST', `/api/v1/profiles/${ann}/consent`, { channel: 'email', topic: 'promotions', status: 'subscribed', source: 'dashboard' }, reader),
    ];
    expect(refused.map((response) => response.status)).toEqual([403, 403, 403]);
    expect((await call<{ topics: Topic[] }>('GET', '/api/v1/consent/topics')).body.topics.map((topic) => topic.key)).not.toContain('vip');
  });
});
