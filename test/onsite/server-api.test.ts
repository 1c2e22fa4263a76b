import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { userHash } from '../../src/onsite/visitor.js';
import { VisitDays } from '../../src/onsite/visits.js';
import { visitorRecords } from '../../src/onsite/store/repository.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { manualClock } from '../../src/shared/clock.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';

const start = Date.UTC(2026, 10, 2, 9);
const admin = { authorization: 'Bearer ADM' };
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

const content = (extra: Record<string, unknown> = {}) => ({ headline: 'Hi', cta: 'Go', ...extra });
const campaign = (extra: Record<string, unknown> = {}) => ({
  name: 'Welcome bar',
  type: 'hello_bar',
  triggers: [{ type: 'page_load' }],
  audience: [],
  caps: { frequency: 'session' },
  defaultLocale: 'en',
  variants: [{ key: 'a', weight: 1, content: { en: content(), ar: content({ headline: 'أهلًا' }), ja: content({ headline: 'ようこそ' }) } }],
  ...extra,
});

describe.each(dialects)('on-site server (%s)', (dialect) => {
  let store: TestStore;
  let rapport: Rapport;
  let otherKey: string;
  let otherAdmin: { authorization: string };
  let otherPool: string;
  let dataDir: string;
  const clock = manualClock(start);

  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = admin) =>
    rapport.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });
  const issuesOf = (response: { json(): { error: { issues?: { field: string }[] } } }) => (response.json().error.issues ?? []).map((issue) => issue.field);
  const track = async (anonymousId: string, items: Record<string, unknown>[], key = 'WK') => {
    const response = await rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: basic(key), payload: { batch: items.map((item) => ({ anonymousId, ...item })) } });
    expect(response.statusCode).toBe(200);
    await rapport.processor.drain();
  };

  beforeAll(async () => {
    store = await createTestStore(dialect);
    // On PostgreSQL the store's dataDir is its URL: keys and the replica go to a temporary folder.
    dataDir = store.databaseUrl === undefined ? store.dataDir : tempDir();
    const env: Record<string, string> = { RAPPORT_DATA_DIR: dataDir, RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK', RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_LOG_LEVEL: 'silent' };
    if (store.databaseUrl !== undefined) env.RAPPORT_DATABASE_URL = store.databaseUrl;
    rapport = await createRapport(loadConfig(env, { processor: 'off' }), { clock, logger: false });
    const other = await rapport.workspaces.createWorkspace('shop-b', 'Shop B');
    otherKey = other.writeKey.key;
    otherAdmin = { authorization: `Bearer ${other.adminToken.plain}` };
    otherPool = (await rapport.messaging.coupons.createPool('shop-b', { name: 'B pool', rule: { kind: 'fixed', offer: { type: 'percent', value: 50 } } })).id;
  });
  afterAll(async () => {
    await rapport.close();
    await store.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('rejects bad definitions at save with the path of each bad field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ triggers: [{ type: 'page_load' }, { type: 'mind_reading' }] }, 'body.triggers[1].type'],
      [{ audience: [{ type: 'url', match: 'regex', value: '(a+)+$' }] }, 'body.audience[0].value'],
      [{ audience: [{ type: 'url', match: 'regex', value: '([a-z' }] }, 'body.audience[0].value'],
      [{ caps: { frequency: 'session', maxViews: 0 } }, 'body.caps.maxViews'],
      [{ caps: { frequency: { everyMinutes: 0 } } }, 'body.caps.frequency.everyMinutes'],
      [{ type: 'side_coupon' }, 'body.variants[0].content.en.coupon'],
      [{ type: 'recommendations', slot: '#recs', variants: [{ key: 'a', weight: 1, content: { en: content({ strategy: 'magic', count: 4 }) } }] }, 'body.variants[0].content.en.strategy'],
      [{ type: 'banner' }, 'body.slot'],
      [{ audience: [{ type: 'segment', allow: ['seg_nope'] }] }, 'body.audience[0].allow[0]'],
      [{ variants: [{ key: 'a', weight: 1, content: { en: content({ coupon: { pool: otherPool } }) } }] }, 'body.variants[0].content.en.coupon.pool'],
    ];
    for (const [change, field] of cases) {
      const response = await api('POST', '/api/v1/onsite/campaigns', campaign(change));
      expect(response.statusCode, field).toBe(400);
      expect(issuesOf(response), JSON.stringify(response.json())).toContain(field);
    }
    // JSON text, so `__proto__` arrives as an own key of the content, as it does from a client.
    const hostile = JSON.stringify(campaign()).replace('"content":{"en":', '"content":{"__proto__":{"headline":"x"},"en":');
    const response = await rapport.app.inject({ method: 'POST', url: '/api/v1/onsite/campaigns', headers: { ...admin, 'content-type': 'application/json' }, payload: hostile });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response)).toContain('body.variants[0].content.__proto__');
  });

  it('creates, schedules, pauses and compiles live campaigns with ETag and 304, per workspace', async () => {
    const created = await api('POST', '/api/v1/onsite/campaigns', campaign({ holdout: 0.1, schedule: { startAt: new Date(start + 3600_000).toISOString() } }));
    expect(created.statusCode).toBe(201);
    const id: string = created.json().id;
    expect(created.json()).toMatchObject({ status: 'draft', holdout: 0.1, priority: 0 });
    expect((await api('POST', `/api/v1/onsite/campaigns/${id}/activate`)).json().status).toBe('scheduled');

    const first = await rapport.app.inject({ method: 'GET', url: '/v1/onsite/config?writeKey=WK', headers: { origin: 'https://shop.example' } });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('public, max-age=60, stale-while-revalidate=86400');
    expect(first.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(first.json().campaigns).toEqual([]);
    clock.advance(3600_000);
    const live = await rapport.app.inject({ method: 'GET', url: '/v1/onsite/config', headers: basic('WK') });
    expect(live.json().campaigns.map((entry: { id: string }) => entry.id)).toEqual([id]);
    expect(live.json().campaigns[0]).toMatchObject({ type: 'hello_bar', modal: false, salt: id, holdout: 0.1 });
    const etag = live.headers.etag;
    expect(etag).not.toBe(first.headers.etag);
    expect(live.json().version).toBe(String(etag).replaceAll('"', ''));
    const cached = await rapport.app.inject({ method: 'GET', url: '/v1/onsite/config?writeKey=WK', headers: { 'if-none-match': String(etag) } });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');

    // Another workspace sees none of it, by its own key or by the id.
    const other = await rapport.app.inject({ method: 'GET', url: `/v1/onsite/config?writeKey=${otherKey}` });
    expect(other.json()).toMatchObject({ workspace: 'shop-b', campaigns: [] });
    expect((await api('GET', `/api/v1/onsite/campaigns/${id}`, undefined, otherAdmin)).statusCode).toBe(404);
    expect((await api('POST', `/api/v1/onsite/campaigns/${id}/pause`, undefined, otherAdmin)).statusCode).toBe(404);
    expect((await api('GET', '/api/v1/onsite/campaigns/__proto__')).statusCode).toBe(404);

    expect((await api('POST', `/api/v1/onsite/campaigns/${id}/pause`)).json().status).toBe('paused');
    const paused = await rapport.app.inject({ method: 'GET', url: '/v1/onsite/config?writeKey=WK', headers: { 'if-none-match': String(etag) } });
    expect(paused.statusCode).toBe(200);
    expect(paused.json().campaigns).toEqual([]);

    const preview = await api('GET', `/api/v1/onsite/campaigns/${id}/preview?page=${encodeURIComponent('https://shop.example/p/1?x=1')}&variant=a`);
    expect(preview.json().url).toBe(`https://shop.example/p/1?x=1&rapport_preview=${id}&rapport_variant=a`);
    expect((await rapport.app.inject({ method: 'GET', url: '/v1/onsite/config?writeKey=nope' })).statusCode).toBe(401);
    // The editor's preview names a paused campaign: it is compiled in, never cached.
    const previewed = await rapport.app.inject({ method: 'GET', url: `/v1/onsite/config?writeKey=WK&preview=${id}` });
    expect(previewed.headers['cache-control']).toBe('no-store');
    expect(previewed.json().campaigns.map((entry: { id: string }) => entry.id)).toEqual([id]);
    const foreign = await rapport.app.inject({ method: 'GET', url: `/v1/onsite/config?writeKey=${otherKey}&preview=${id}` });
    expect(foreign.json().campaigns).toEqual([]);
  });

  it('takes the SDK preflight-free calls: text/plain body and ?writeKey=', async () => {
    const response = await rapport.app.inject({
      method: 'POST',
      url: '/v1/onsite/visitor?writeKey=WK',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' },
      payload: JSON.stringify({ anonymousId: 'sdk-1' }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ profileId: null, identified: false, visits: { last30d: 1 } });
    expect(response.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('answers visitor facts, and only the anonymous-safe subset to an identified profile without a valid userHash', async () => {
    await track('anon-1', [
      { type: 'identify', userId: 'user-1', traits: { email: 'ann@example.com', country: 'BE' } },
      { type: 'track', event: 'Product Added', properties: { product_id: 'sku-1', price: 20, quantity: 2 } },
    ]);
    await rapport.scores.write('default', [{ profileId: (await rapport.profiles.lookupProfile('default', 'user_id', 'user-1'))?.id ?? '', key: 'clv_tier', value: 'high' }], 'test');
    const secret = (await api('GET', '/api/v1/onsite/secret')).json().secret as string;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);

    const visitor = (payload: Record<string, unknown>) => rapport.app.inject({ method: 'POST', url: '/v1/onsite/visitor', headers: basic('WK'), payload });
    const stolen = (await visitor({ anonymousId: 'anon-1' })).json();
    expect(stolen).toMatchObject({ profileId: null, identified: true, verified: false, segments: [], cart: null, tiers: { clv: null, churn: null }, country: null });
    const forged = (await visitor({ anonymousId: 'anon-1', userId: 'user-1', userHash: userHash('guess', 'user-1') })).json();
    expect(forged).toMatchObject({ profileId: null, verified: false, cart: null });
    const verified = (await visitor({ anonymousId: 'anon-1', userId: 'user-1', userHash: userHash(secret, 'user-1') })).json();
    expect(verified).toMatchObject({ identified: true, verified: true, country: 'BE', tiers: { clv: 'high' }, cart: { value: 4000, items: 2, productIds: ['sku-1'] } });
    expect(verified.profileId).toMatch(/^prf_/);
    expect(verified.visits.last30d).toBe(1);

    // Rotating the secret retires every hash signed with the old one.
    await api('POST', '/api/v1/onsite/secret/rotate');
    expect((await visitor({ anonymousId: 'anon-1', userId: 'user-1', userHash: userHash(secret, 'user-1') })).json().verified).toBe(false);
    const fresh = (await visitor({ anonymousId: 'never-seen' })).json();
    expect(fresh).toMatchObject({ profileId: null, identified: false, verified: false });
    // Another workspace's key knows nothing of this visitor.
    expect((await rapport.app.inject({ method: 'POST', url: '/v1/onsite/visitor', headers: basic(otherKey), payload: { anonymousId: 'anon-1' } })).json()).toMatchObject({
      profileId: null,
      identified: false,
    });
  });

  it('reveals one tiered coupon per campaign and profile; replays return the same code', async () => {
    const pool = (
      await rapport.messaging.coupons.createPool('default', {
        name: 'Exit tiers',
        rule: {
          kind: 'tiers',
          tiers: [
            { score: 'clv_tier', equals: 'high', offer: { type: 'percent', value: 15 } },
            { score: 'clv_tier', equals: 'medium', offer: { type: 'percent', value: 10 } },
          ],
          fallback: { type: 'percent', value: 5 },
        },
      })
    ).id;
    const body = campaign({
      name: 'Exit',
      type: 'popup',
      triggers: [{ type: 'exit_intent', minDwellSeconds: 5, mobile: false }],
      variants: [{ key: 'a', weight: 1, content: { en: content({ coupon: { pool, tiered: true, withholdAbovePropensity: 0.8 } }) } }],
    });
    const id: string = (await api('POST', '/api/v1/onsite/campaigns', body)).json().id;
    await api('POST', `/api/v1/onsite/campaigns/${id}/activate`);
    await track('anon-2', [{ type: 'track', event: 'Product Viewed', properties: { product_id: 'sku-2' } }]);
    await track('anon-3', [{ type: 'track', event: 'Product Viewed', properties: { product_id: 'sku-3' } }]);
    await track('anon-4', [{ type: 'track', event: 'Product Viewed', properties: { product_id: 'sku-4' } }]);
    const profileOf = async (anon: string) => (await rapport.profiles.lookupProfile('default', 'anonymous_id', anon))?.id ?? '';
    await rapport.scores.write(
      'default',
      [
        { profileId: await profileOf('anon-2'), key: 'clv_tier', value: 'medium' },
        { profileId: await profileOf('anon-4'), key: 'propensity_30d', value: 0.93 },
      ],
      'test',
    );

    const reveal = (anonymousId: string, key = 'WK') => rapport.app.inject({ method: 'POST', url: '/v1/onsite/reveal', headers: basic(key), payload: { campaignId: id, variant: 'a', anonymousId } });
    const factsOf = async (anonymousId: string) => (await rapport.app.inject({ method: 'POST', url: '/v1/onsite/visitor', headers: basic('WK'), payload: { anonymousId } })).json();
    // Read (and kept) before the reveal: the reveal's conversion must still show on the next request.
    expect((await factsOf('anon-2')).converted).toEqual([]);
    const medium = (await reveal('anon-2')).json();
    expect(medium).toMatchObject({ discount: { kind: 'percent', value: 10 } });
    expect((await reveal('anon-2')).json()).toEqual(medium);
    expect((await reveal('anon-3')).json()).toMatchObject({ discount: { kind: 'percent', value: 5 } });
    expect((await reveal('anon-3')).json().code).not.toBe(medium.code);
    expect((await reveal('anon-4')).json()).toEqual({ code: null, reason: 'likely_to_buy' });
    expect((await reveal('nobody')).json()).toEqual({ code: null, reason: 'unknown_visitor' });
    expect((await reveal('anon-2', otherKey)).statusCode).toBe(404);
    expect((await rapport.messaging.coupons.check('default', medium.code)).valid).toBe(true);
    expect((await factsOf('anon-2')).converted).toEqual([id]);
  });

  it('submits: identifies, stores answers as traits, records consent with its source and enters the journey', async () => {
    // The journey the signup enters queues a banner for the next visit.
    const bar: string = (await api('POST', '/api/v1/onsite/campaigns', campaign({ name: 'Welcome back bar' }))).json().id;
    const journey = await api('POST', '/api/v1/journeys', {
      name: 'Welcome',
      trigger: { type: 'api' },
      start: 'show',
      nodes: [
        { id: 'show', type: 'onsite', campaignId: bar, expiresAfterDays: 3, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    expect(journey.statusCode).toBe(201);
    const journeyId: string = journey.json().id;
    await api('POST', `/api/v1/journeys/${journeyId}/activate`);
    const survey = campaign({
      name: 'Signup + NPS',
      type: 'survey',
      journeyId,
      variants: [
        {
          key: 'a',
          weight: 1,
          content: {
            en: {
              headline: 'Join',
              capture: { fields: ['email'], consentText: 'Email me', successHeadline: 'Thanks' },
              questions: [
                { id: 'nps', kind: 'nps', text: 'Recommend us?' },
                { id: '__proto__', kind: 'text', text: 'Why?' },
              ],
            },
          },
        },
      ],
    });
    const id: string = (await api('POST', '/api/v1/onsite/campaigns', survey)).json().id;
    await api('POST', `/api/v1/onsite/campaigns/${id}/activate`);
    const submit = (payload: Record<string, unknown>) =>
      rapport.app.inject({ method: 'POST', url: '/v1/onsite/submit', headers: basic('WK'), payload: JSON.stringify({ campaignId: id, variant: 'a', anonymousId: 'anon-9', ...payload }) });
    const bad = await submit({ email: 'not-an-email', answers: { nps: 11, other: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(issuesOf(bad).sort()).toEqual(['body.answers.nps', 'body.answers.other', 'body.email']);
    const ok = await rapport.app.inject({
      method: 'POST',
      url: '/v1/onsite/submit',
      headers: { ...basic('WK'), 'content-type': 'application/json' },
      payload: `{"campaignId":"${id}","variant":"a","anonymousId":"anon-9","email":"Sam@Example.com","consent":true,"answers":{"nps":9,"__proto__":"fast delivery"}}`,
    });
    expect(ok.json()).toEqual({ ok: true, doubleOptIn: false });
    // A replay stores nothing twice.
    expect((await submit({ email: 'Sam@Example.com', consent: true, answers: { nps: 9 } })).statusCode).toBe(200);
    await rapport.processor.drain();
    await rapport.scheduler.runDue();
    const profile = await rapport.profiles.lookupProfile('default', 'email', 'sam@example.com');
    expect(profile?.traits[`survey_${id}_nps`]).toBe(9);
    expect(profile?.traits[`survey_${id}___proto__`]).toBe('fast delivery');
    expect(Object.getPrototypeOf(profile?.traits)).toBe(Object.prototype);
    const ledger = await rapport.messaging.consent.ledger('default', [profile?.id ?? '']);
    expect(ledger).toEqual([expect.objectContaining({ channel: 'email', status: 'subscribed', source: `onsite:${id}` })]);
    const answered = await rapport.eventLog.events('default', { event: 'Survey Answered' });
    expect(answered).toHaveLength(1);
    for (let round = 0; round < 5; round++) await rapport.scheduler.runDue();
    const facts = (await rapport.app.inject({ method: 'POST', url: '/v1/onsite/visitor', headers: basic('WK'), payload: { anonymousId: 'anon-9' } })).json();
    // Identified by the email it typed, without a userHash: the safe subset hides the queue.
    expect(facts).toMatchObject({ identified: true, verified: false, queued: [] });
    const secret = (await api('GET', '/api/v1/onsite/secret')).json().secret as string;
    await track('anon-9', [{ type: 'identify', userId: 'sam' }]);
    const verified = (
      await rapport.app.inject({ method: 'POST', url: '/v1/onsite/visitor', headers: basic('WK'), payload: { anonymousId: 'anon-9', userId: 'sam', userHash: userHash(secret, 'sam') } })
    ).json();
    expect(verified.queued).toEqual([{ campaignId: bar, journeyId }]);
    expect(verified.converted).toEqual([id]);
    clock.advance(4 * 86_400_000);
    const expired = (
      await rapport.app.inject({ method: 'POST', url: '/v1/onsite/visitor', headers: basic('WK'), payload: { anonymousId: 'anon-9', userId: 'sam', userHash: userHash(secret, 'sam') } })
    ).json();
    expect(expired.queued).toEqual([]);

    // Erasure reaches the module's rows: the conversion, the queued message and the visit days.
    const erasure = await api('POST', '/api/v1/privacy/erasures', { profileId: verified.profileId, reason: 'test' });
    expect(erasure.statusCode).toBe(202);
    await rapport.privacy.settled(erasure.json().id);
    const job = (await api('GET', `/api/v1/privacy/jobs/${erasure.json().id}`)).json();
    expect(job.erased.onsite).toBeGreaterThanOrEqual(2);
  });

  it('reports impressions, CTR, submissions, view- and click-through conversions and uplift on a dataset checked by hand', async () => {
    const created = await api('POST', '/api/v1/onsite/campaigns', campaign({ name: 'Report popup', type: 'popup', holdout: 0.5, conversion: { event: 'Order Completed', windowHours: 24 } }));
    const id: string = created.json().id;
    const t0 = clock.now() - 10 * 86_400_000;
    const at = (hours: number) => new Date(t0 + hours * 3600_000).toISOString();
    let n = 0;
    const ev = (event: string, hours: number, properties: Record<string, unknown>) => ({ type: 'track', event, timestamp: at(hours), messageId: `r-${n++}`, properties });
    const viewed = (hours: number, holdout = false) =>
      ev('Experience Viewed', hours, { campaign_id: id, variant: 'a', trigger: 'page_load', ...(holdout ? { holdout: true, would_have_shown: true } : {}) });
    const order = (hours: number, revenue: number) => ev('Order Completed', hours, { revenue });
    // Shown: v1 clicks and orders at +30 h (click-through only), v2 orders at +2 h (view-through; its order
    // before the view does not count), v3 orders at +48 h (outside both windows without a click), v4 views twice and submits.
    await track('v1', [viewed(0), ev('Experience Clicked', 1, { campaign_id: id, variant: 'a' }), order(30, 100)]);
    await track('v2', [order(-1, 999), viewed(0), order(2, 50)]);
    await track('v3', [viewed(0), order(48, 70)]);
    await track('v4', [viewed(0), viewed(5), ev('Experience Submitted', 5, { campaign_id: id, variant: 'a' })]);
    // Holdout: h1 orders within the view window; h2-h4 do not order.
    await track('h1', [viewed(0, true), order(1, 40)]);
    for (const unit of ['h2', 'h3', 'h4']) await track(unit, [viewed(0, true)]);

    const response = await api('GET', `/api/v1/onsite/report?campaignId=${id}`);
    expect(response.statusCode).toBe(200);
    const report = response.json();
    const [entry] = report.campaigns;
    expect(entry.windows).toEqual({ viewThroughHours: 24, clickThroughHours: 168 });
    expect(entry.arms[0]).toEqual({
      arm: 'a',
      visitors: 4,
      impressions: 5,
      clickers: 1,
      ctr: 0.25,
      submissions: 1,
      conversions: 2,
      viewThrough: 1,
      clickThrough: 1,
      conversionRate: 0.5,
      revenue: 150,
      revenuePerVisitor: 37.5,
    });
    expect(entry.holdout).toMatchObject({ visitors: 4, impressions: 4, conversions: 1, conversionRate: 0.25, revenue: 40, revenuePerVisitor: 10 });
    // Relative uplift 0.5 / 0.25 − 1 = 1; delta-method variance 0.0625/0.25² + 0.046875·0.5²/0.25⁴ = 4, so se = 2;
    // Welch dof ≈ 5.88, t(0.975) ≈ 2.45: the 95% interval is about 1 ± 4.9.
    const uplift = entry.uplift.conversionRate;
    expect(uplift.ok).toBe(true);
    expect(uplift.estimate).toBeCloseTo(1, 10);
    expect((uplift.ci[1] - uplift.ci[0]) / 2 / 2).toBeGreaterThan(2.43);
    expect((uplift.ci[1] - uplift.ci[0]) / 2 / 2).toBeLessThan(2.47);
    expect(report.types.find((type: { type: string }) => type.type === 'popup')).toMatchObject({ all: { visitors: 4, conversions: 2 }, holdout: { visitors: 4, conversions: 1 } });
  });

  it('installs the starter campaigns once, live, with their coupon pools', async () => {
    const first = await api('POST', '/api/v1/onsite/starters/install', { activate: true });
    expect(first.statusCode).toBe(200);
    const installed: { key: string; created: boolean; status: string; id: string }[] = first.json().installed;
    expect(installed).toHaveLength(11);
    expect(installed.every((entry) => entry.created && entry.status === 'live')).toBe(true);
    const again = (await api('POST', '/api/v1/onsite/starters/install', { activate: true })).json().installed;
    expect(again.map((entry: { id: string; created: boolean }) => [entry.id, entry.created])).toEqual(installed.map((entry) => [entry.id, false]));
    const config = (await rapport.app.inject({ method: 'GET', url: '/v1/onsite/config?writeKey=WK' })).json();
    const ids = new Set(config.campaigns.map((entry: { id: string }) => entry.id));
    expect(installed.every((entry) => ids.has(entry.id))).toBe(true);
    const teaser = config.campaigns.find((entry: { type: string }) => entry.type === 'floating_icon');
    expect(teaser.teaserOf).toBe(installed.find((entry) => entry.key === 'popup')?.id);
    expect((await api('POST', '/api/v1/onsite/starters/install', { keys: ['nope'] })).statusCode).toBe(400);
  });

  it('rebalances variant weights with the experiments bandit from the conversions', async () => {
    const two = campaign({
      name: 'Bandit bar',
      variants: [
        { key: 'a', weight: 1, content: { en: content() } },
        { key: 'b', weight: 1, content: { en: content({ headline: 'B' }) } },
      ],
    });
    const id: string = (await api('POST', '/api/v1/onsite/campaigns', two)).json().id;
    const t = new Date(clock.now() - 3600_000).toISOString();
    for (let i = 0; i < 20; i++) {
      const variant = i < 10 ? 'a' : 'b';
      const orders =
        (variant === 'a' && i === 0) || (variant === 'b' && i < 18) ? [{ type: 'track', event: 'Order Completed', timestamp: t, messageId: `bo-${id}-${i}`, properties: { revenue: 5 } }] : [];
      await track(`bandit-${i}`, [{ type: 'track', event: 'Experience Viewed', timestamp: t, messageId: `bv-${id}-${i}`, properties: { campaign_id: id, variant } }, ...orders]);
    }
    const response = await api('POST', `/api/v1/onsite/campaigns/${id}/rebalance`);
    expect(response.statusCode).toBe(200);
    const { weights, campaign: updated } = response.json();
    expect(weights.map((entry: { variant: string; visitors: number; conversions: number }) => [entry.variant, entry.visitors, entry.conversions])).toEqual([
      ['a', 10, 1],
      ['b', 10, 8],
    ]);
    expect(weights[1].weight).toBeGreaterThan(0.9);
    expect(weights[0].weight).toBeGreaterThanOrEqual(0.04);
    expect(updated.variants.map((variant: { weight: number }) => variant.weight)).toEqual(weights.map((entry: { weight: number }) => entry.weight));
    const single: string = (await api('POST', '/api/v1/onsite/campaigns', campaign({ name: 'One variant' }))).json().id;
    expect((await api('POST', `/api/v1/onsite/campaigns/${single}/rebalance`)).statusCode).toBe(409);
  });

  it('starts a double opt-in when the campaign asks for one: consent stays pending, the confirmation goes out', async () => {
    const template = (await api('POST', '/api/v1/templates/starters/double_opt_in')).json().id as string;
    const definition = campaign({
      name: 'Double opt-in capture',
      type: 'popup',
      doubleOptIn: { templateId: template, confirmBaseUrl: 'https://shop.example' },
      variants: [{ key: 'a', weight: 1, content: { en: { headline: 'Join', capture: { fields: ['email'], consentText: 'Email me', successHeadline: 'Check your inbox' } } } }],
    });
    const id: string = (await api('POST', '/api/v1/onsite/campaigns', definition)).json().id;
    await api('POST', `/api/v1/onsite/campaigns/${id}/activate`);
    const submitted = await rapport.app.inject({
      method: 'POST',
      url: '/v1/onsite/submit?writeKey=WK',
      payload: { campaignId: id, variant: 'a', anonymousId: 'anon-doi', email: 'dora@example.com', consent: true },
    });
    expect(submitted.json()).toEqual({ ok: true, doubleOptIn: true });
    await rapport.processor.drain();
    await rapport.scheduler.runDue();
    const profile = await rapport.profiles.lookupProfile('default', 'email', 'dora@example.com');
    const ledger = await rapport.messaging.consent.ledger('default', [profile?.id ?? '']);
    expect(ledger.map((change) => `${change.status}:${change.source}`)).toEqual([`pending:onsite:${id}`]);
    const sent = await rapport.messaging.outbox.list('default', { limit: 10 });
    expect(JSON.stringify(sent)).toContain('https://shop.example/v1/confirm/');
  });

  it('never answers from a profile older than the last processed event: an identify, a merge or a cart change shows on the next request', async () => {
    const secret = (await api('GET', '/api/v1/onsite/secret')).json().secret as string;
    const visitor = (payload: Record<string, unknown>) => rapport.app.inject({ method: 'POST', url: '/v1/onsite/visitor', headers: basic('WK'), payload });
    const asCleo = { anonymousId: 'anon-c1', userId: 'cleo', userHash: userHash(secret, 'cleo') };
    await track('anon-c1', [{ type: 'page', name: 'Home' }]);
    // Anonymous and personal: the profile is read and kept.
    const before = (await visitor({ anonymousId: 'anon-c1' })).json();
    expect(before).toMatchObject({ identified: false, country: null, cart: null });
    expect((await visitor({ anonymousId: 'anon-c1' })).json()).toEqual({ ...before, visits: before.visits });
    // Her own identify (a verified user id) and a cart, processed: the very next request sees both.
    await track('anon-c1', [
      { type: 'identify', userId: 'cleo', traits: { country: 'JP' } },
      { type: 'track', event: 'Product Added', properties: { product_id: 'sku-9', price: 10, quantity: 1 } },
    ]);
    const after = (await visitor(asCleo)).json();
    expect(after).toMatchObject({ identified: true, verified: true, country: 'JP', cart: { items: 1, productIds: ['sku-9'] } });
    // Without the hash the same anonymous id now gets only the safe subset.
    expect((await visitor({ anonymousId: 'anon-c1' })).json()).toMatchObject({ profileId: null, identified: true, cart: null, country: null });
    // A second device signs in as her: its anonymous profile merges into hers, and both ids answer with the survivor.
    await track('anon-c2', [{ type: 'track', event: 'Product Added', properties: { product_id: 'sku-8', price: 5, quantity: 2 } }]);
    const device = (await visitor({ anonymousId: 'anon-c2' })).json();
    expect(device.cart).toMatchObject({ items: 2 });
    await track('anon-c2', [{ type: 'identify', userId: 'cleo' }]);
    const merged = (await visitor({ ...asCleo, anonymousId: 'anon-c2' })).json();
    expect(merged.country).toBe('JP');
    expect((await visitor(asCleo)).json().profileId).toBe(merged.profileId);
    expect((await rapport.profiles.lookupProfile('default', 'anonymous_id', 'anon-c2'))?.id).toBe(merged.profileId);
    // The second device's anonymous id alone, asked before the merge: it now leads to her (identified) profile, never the kept one.
    expect((await visitor({ anonymousId: 'anon-c2' })).json()).toMatchObject({ profileId: null, identified: true, cart: null });
  });

  it('counts visit days over the last 30, writing them in the background', async () => {
    const days = new VisitDays({ database: rapport.database, clock });
    const DAY = 86_400_000;
    const count = async (workspaceId: string, visitor: string) => {
      const today = Math.floor(clock.now() / DAY);
      const read = await visitorRecords(rapport.database.db, workspaceId, { profileIds: [], visitor, now: clock.now(), sinceDay: today - 30, beforeDay: today });
      days.mark(workspaceId, visitor, today);
      return read.visitDays + 1;
    };
    expect(await count('default', 'a:days')).toBe(1);
    expect(await count('default', 'a:days')).toBe(1);
    await days.flush();
    // A day already written is not written again by later visits that day (each flush rewrote it).
    const rows = () => rapport.database.db.selectFrom('onsite_visits').select('day').where('workspace_id', '=', 'default').where('visitor', '=', 'a:days').execute();
    expect(await rows()).toHaveLength(1);
    await rapport.database.db.deleteFrom('onsite_visits').where('workspace_id', '=', 'default').where('visitor', '=', 'a:days').execute();
    expect(await count('default', 'a:days')).toBe(1);
    await days.flush();
    expect(await rows()).toHaveLength(0);
    // After an erasure forgets the visitor, a visit the same day is written again.
    days.forget('default', ['a:days']);
    await count('default', 'a:days');
    await days.flush();
    expect(await rows()).toHaveLength(1);
    clock.advance(DAY);
    expect(await count('default', 'a:days')).toBe(2);
    await days.flush();
    // 29 days on: the first day has left the 30-day window (today included), the second has not.
    clock.advance(29 * DAY);
    expect(await count('default', 'a:days')).toBe(2);
    expect(await count('shop-b', 'a:days')).toBe(1);
    days.forget('default', ['a:days']);
    await days.flush();
  });

  it('documents every on-site route in the OpenAPI document', async () => {
    const paths = Object.keys((await api('GET', '/api/v1/openapi.json')).json().paths);
    for (const route of [
      '/api/v1/onsite/campaigns',
      '/api/v1/onsite/campaigns/{id}/preview',
      '/api/v1/onsite/report',
      '/api/v1/onsite/secret',
      '/v1/onsite/config',
      '/v1/onsite/visitor',
      '/v1/onsite/reveal',
      '/v1/onsite/submit',
    ])
      expect(paths).toContain(route);
  });
});

describe('on-site endpoints under the tracking limits', () => {
  it('refuse a write key past its bucket with 429', async () => {
    const store = await createTestStore('sqlite');
    const env = {
      RAPPORT_DATA_DIR: store.dataDir,
      RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK',
      RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM',
      RAPPORT_LOG_LEVEL: 'silent',
      RAPPORT_RATE_INGEST_KEY: '1',
      RAPPORT_RATE_INGEST_KEY_BURST: '2',
    };
    const rapport = await createRapport(loadConfig(env, { processor: 'off' }), { clock: manualClock(start), logger: false });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await rapport.app.inject({ method: 'POST', url: '/v1/onsite/visitor?writeKey=WK', payload: { anonymousId: 'x' } })).statusCode);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await rapport.close();
      await store.drop();
    }
  });
});
