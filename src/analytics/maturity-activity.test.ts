import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/helpers/databases.js';
import { manualClock } from '../shared/clock.js';
import { fixtureEvents, loadMessages, ws } from './test/fixture.js';
import { openAnalytics, type AnalyticsUnderTest } from './test/service-under-test.js';

const NOW = Date.parse('2024-06-03T07:00:00Z');

describe.each(dialects)('maturity reads what the shop sends and runs (%s)', (dialect) => {
  let test: AnalyticsUnderTest;
  beforeAll(async () => {
    test = await openAnalytics(dialect, manualClock(NOW), (store) => loadMessages(store.database, fixtureEvents()));
  });
  afterAll(async () => {
    await test.close();
  });

  const personalization = async () => (await test.analytics.maturity(ws)).criteria.find((criterion) => criterion.key === 'personalization');

  it('counts personalization met once emails with recommendations went out, and says what showed it', async () => {
    expect(await personalization()).toMatchObject({ met: false });
    const { db } = test.store.database;
    const content = JSON.stringify({ subject: 'Your cart', html: "{% assign picks = 'cart_complements' | recommendations: 3 %}{% for p in picks %}{{ p.name }}{% endfor %}" });
    await db.insertInto('template_versions').values({ workspace_id: ws, template_id: 'cart', version: 1, content, compiled: content, created_at: NOW }).execute();
    const message = {
      workspace_id: ws,
      profile_id: 'prf_1',
      channel: 'email',
      template_id: 'cart',
      template_version: 1,
      purpose: 'marketing',
      reason: null,
      address: 'a@example.com',
      coupon_code: null,
      provider_id: null,
      source: null,
      attempts: 1,
      created_at: NOW,
      updated_at: NOW,
      delivered_at: null,
      opened_at: null,
      clicked_at: null,
    };
    await db
      .insertInto('messages')
      .values([
        { ...message, id: 'msg_sent', idempotency_key: 'k1', status: 'sent', sent_at: NOW },
        // Failed sends are not personalization that reached anyone.
        { ...message, id: 'msg_failed', idempotency_key: 'k2', status: 'failed', sent_at: null },
      ])
      .execute();
    expect(await personalization()).toMatchObject({ met: true, evidence: '1 messages with recommendations sent' });
    await db.insertInto('journeys').values({ workspace_id: ws, id: 'jrn_1', name: 'Cart', status: 'active', version: 1, created_at: NOW, updated_at: NOW }).execute();
    expect((await personalization())?.evidence).toBe('1 messages with recommendations sent, 1 journeys live');
  });
});
