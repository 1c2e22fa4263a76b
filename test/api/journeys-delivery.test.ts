import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { manualClock } from '../../src/shared/clock.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/channel-peers.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { basicAuth, waitFor } from '../helpers/server.js';

/*
 * A recipe installed through the API sends for real: the server as createRapport wires it, the
 * default delivery (the channels module), a real SMTP server on loopback, a manual clock. The
 * abandoned cart's templates and coupon pool are created by the install; the reminder and the
 * coupon arrive by SMTP, buying the cart ends the journey, and a customer without email consent
 * gets nothing but a `suppressed` line in the message log.
 */

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T12:00:00Z');
const admin = { authorization: 'Bearer ADM' };
const sdk = { authorization: basicAuth('WK') };

interface Run {
  profileId: string;
  status: string;
  nodeId: string;
  wakeAt: string | null;
  exitReason: string | null;
}
interface Message {
  status: string;
  reason: string | null;
  templateId: string;
  couponCode: string | null;
}

describe.each(dialects)('journey recipes deliver through the channels on %s', (dialect) => {
  let store: TestStore;
  let smtp: SmtpPeer;
  let rapport: Rapport;
  let dataDir: string;
  const clock = manualClock(T0);

  async function call<T>(method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = admin): Promise<{ status: number; body: T }> {
    const response = await rapport.app.inject({
      method,
      url,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: JSON.parse(response.body) as T };
  }

  async function track(userId: string, event: string, properties: Record<string, unknown>): Promise<void> {
    expect((await call('POST', '/v1/track', { userId, event, properties }, sdk)).status).toBe(200);
  }

  /** Moves the demo clock and lets the scheduler run what became due. */
  async function advance(ms: number): Promise<void> {
    clock.advance(ms);
    rapport.scheduler.wake();
    await rapport.scheduler.runDue();
  }

  const messagesOf = async (profileId: string): Promise<Message[]> => (await call<{ messages: Message[] }>('GET', `/api/v1/messages?profileId=${profileId}`)).body.messages;
  /** The person's message log once it holds `count` rows, none still in flight (a row is written before its send). */
  const settledMessages = (profileId: string, count: number): Promise<Message[]> =>
    waitFor(`${count} settled messages`, async () => {
      const list = await messagesOf(profileId);
      return list.length === count && list.every((message) => message.status !== 'queued') ? list : undefined;
    });

  beforeAll(async () => {
    store = await createTestStore(dialect);
    smtp = await startSmtpPeer();
    dataDir = dialect === 'sqlite' ? store.dataDir : tempDir();
    const env: Record<string, string> = {
      RAPPORT_DATA_DIR: dataDir,
      RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK',
      RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM',
      RAPPORT_LOG_LEVEL: 'silent',
      RAPPORT_SMTP_URL: smtp.url,
      RAPPORT_PUBLIC_URL: 'https://rapport.shop.test',
      RAPPORT_ANALYTICS_SYNC_MS: '0',
      RAPPORT_RECS_RETRAIN_MINUTES: '0',
    };
    if (store.databaseUrl !== undefined) env.RAPPORT_DATABASE_URL = store.databaseUrl;
    // The default delivery: nothing sets RAPPORT_JOURNEY_DELIVERY.
    rapport = await createRapport(loadConfig(env), { processor: 'inline', clock, logger: false });
  });

  afterAll(async () => {
    await rapport?.close();
    await smtp?.close();
    await store?.drop();
    if (dialect !== 'sqlite') fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('abandoned cart: the reminder at 1 h and a real coupon at 24 h by SMTP; buying ends it; no consent means suppressed', async () => {
    const installed = await call<{ journey: { id: string; status: string }; templates: { id: string; created: boolean }[]; coupons: { id: string; created: boolean }[] }>(
      'POST',
      '/api/v1/journeys/recipes/abandoned-cart',
      { activate: true },
    );
    expect(installed.status).toBe(201);
    expect(installed.body.journey.status).toBe('active');
    expect(installed.body.templates.map((template) => [template.id, template.created])).toEqual([
      ['cart-reminder', true],
      ['cart-coupon', true],
      ['cart-flash-sale', true],
    ]);
    expect(installed.body.coupons).toEqual([{ role: 'coupon', id: 'cart-10-off', created: true }]);
    const journeyId = installed.body.journey.id;
    await rapport.catalog.upsertProducts('default', [{ id: 'jacket', name: 'Alpine Rain Jacket', price: 120, currency: 'EUR', url: 'https://shop.example/p/jacket' }]);

    expect((await call('POST', '/v1/identify', { userId: 'ann', traits: { email: 'ann@example.com', first_name: 'Ann', email_consent: true } }, sdk)).status).toBe(200);
    expect((await call('POST', '/v1/identify', { userId: 'bob', traits: { email: 'bob@example.com', first_name: 'Bob', email_consent: false } }, sdk)).status).toBe(200);
    await track('ann', 'Product Added', { cart_id: 'cart-ann', product_id: 'jacket', name: 'Alpine Rain Jacket', price: 120, quantity: 1 });
    await track('bob', 'Product Added', { cart_id: 'cart-bob', product_id: 'jacket', name: 'Alpine Rain Jacket', price: 120, quantity: 1 });
    const runs = async (): Promise<Run[]> => (await call<{ runs: Run[] }>('GET', `/api/v1/journeys/${journeyId}/runs`)).body.runs;
    const waiting = await waitFor('both carts waiting an hour', async () => {
      const list = await runs();
      return list.length === 2 && list.every((run) => run.nodeId === 'wait-1h' && run.wakeAt === new Date(T0 + HOUR).toISOString()) ? list : undefined;
    });
    // The scheduler loop runs beside the test: before moving the clock, every run must have
    // committed its next wait (a wait started after the move would start from the new time).
    const allAt = (nodeId: string, wakeAt: number) =>
      waitFor(`both runs waiting at ${nodeId}`, async () => ((await runs()).every((run) => run.nodeId === nodeId && run.wakeAt === new Date(wakeAt).toISOString()) ? true : undefined));
    const ann = (await call<{ id: string }>('GET', '/api/v1/profiles/lookup?type=user_id&value=ann')).body.id;
    const bob = (await call<{ id: string }>('GET', '/api/v1/profiles/lookup?type=user_id&value=bob')).body.id;
    expect(waiting.map((run) => run.profileId).sort()).toEqual([ann, bob].sort());

    // Nothing before the hour.
    await advance(HOUR - 60_000);
    expect(smtp.mails).toHaveLength(0);
    await advance(60_000);
    const [reminder] = await smtp.waitFor(1);
    expect(reminder?.to && 'text' in reminder.to ? reminder.to.text : '').toBe('ann@example.com');
    expect(reminder?.subject).toBe('Ann, your cart is waiting');
    expect(reminder?.text).toContain('Alpine Rain Jacket');
    expect(reminder?.html).toContain('Alpine Rain Jacket');
    // mailparser files List-Unsubscribe under `list`.
    expect(JSON.stringify(reminder?.headers.get('list'))).toContain('https://rapport.shop.test/');
    // Bob said no to email: no mail, a suppressed line with the reason.
    expect(await settledMessages(bob, 1)).toMatchObject([{ templateId: 'cart-reminder', status: 'suppressed', reason: 'no_consent:email', couponCode: null }]);

    await allAt('wait-24h', T0 + 24 * HOUR);
    await advance(23 * HOUR);
    const mails = await smtp.waitFor(2);
    const couponMail = mails[1];
    expect(couponMail?.subject).toBe('10% off on your cart, Ann');
    const code = /CART-[23456789A-HJKMNP-Z]{12}/.exec(couponMail?.text ?? '')?.[0];
    if (code === undefined) throw new Error(`no coupon code in: ${couponMail?.text ?? ''}`);
    expect(couponMail?.text).toContain('Alpine Rain Jacket');
    expect(await rapport.messaging.coupons.check('default', code)).toEqual({ valid: true, offer: { type: 'percent', value: 10 } });
    const annMessages = await settledMessages(ann, 2);
    expect(annMessages.map((message) => [message.templateId, message.status, message.couponCode]).sort()).toEqual([
      ['cart-coupon', 'sent', code],
      ['cart-reminder', 'sent', null],
    ]);
    // One code per person: Bob's coupon step was suppressed before any code was issued.
    expect((await rapport.messaging.coupons.report('default'))[0]).toMatchObject({ poolId: 'cart-10-off', issued: 1 });

    await allAt('wait-48h', T0 + 48 * HOUR);
    // Ann buys her cart: the goal removes her at once.
    await track('ann', 'Order Completed', { cart_id: 'cart-ann', order_id: 'ord-1', revenue: 108, coupon: code });
    await waitFor('ann exits on the goal', async () => ((await runs()).find((run) => run.profileId === ann)?.exitReason === 'goal' ? true : undefined));

    await advance(24 * HOUR + 60_000);
    // Bob's run reached the 48 h step (suppressed again), so the clock did pass it...
    expect((await settledMessages(bob, 3)).every((message) => message.status === 'suppressed' && message.reason === 'no_consent:email')).toBe(true);
    // ...and Ann got no scarcity email.
    expect(smtp.mails).toHaveLength(2);
    expect((await messagesOf(ann)).some((message) => message.templateId === 'cart-flash-sale')).toBe(false);
    const report = await call<{ entered: number; exited: Record<string, number>; conversions: { goal: { runs: number; revenue: number } } }>('GET', `/api/v1/journeys/${journeyId}/report`);
    expect(report.body).toMatchObject({ entered: 2, exited: { goal: 1 }, conversions: { goal: { runs: 1, revenue: 108 } } });
  });
});
