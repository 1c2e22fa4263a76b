import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../../test/helpers/databases.js';
import { journeyHarness, WS, type JourneyHarness } from '../../test/helpers/journeys.js';
import type { MessageSender, SendRequest, SendResult } from '../channels/sender.js';
import { stableId } from '../shared/ids.js';

/*
 * Issue 13, item 3: the first abandoned-cart email failed, yet the order that followed was
 * credited to the journey. A journey is credited only for conversions after one of its
 * messages actually went out; its A/B arms still compare every entrant.
 */

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 2, 12, 0);

/** The channels' answers as a journey sees them: one person's email fails, the others' go out. */
function senderFailingFor(failing: () => string | undefined): MessageSender {
  return {
    async send(request: SendRequest): Promise<SendResult> {
      const messageId = stableId('msg', request.workspaceId, request.idempotencyKey);
      return request.profileId === failing() ? { status: 'failed', messageId, reason: 'render_error: boom (permanent, not retried: fix the template)' } : { status: 'sent', messageId };
    },
  };
}

describe.each(dialects)('journey conversion credit on %s', (dialect) => {
  let h: JourneyHarness;
  afterEach(async () => {
    await h.stop();
  });

  it('credits an order only to runs whose message went out before it', async () => {
    let failing: string | undefined;
    h = await journeyHarness(dialect, T0, { sender: senderFailingFor(() => failing) });
    const journey = await h.journeys.service.create(WS, {
      name: 'cart',
      trigger: { type: 'event', event: 'Product Added', entryKey: 'cart_id' },
      start: 'wait',
      nodes: [
        { id: 'wait', type: 'wait', duration: { amount: 1, unit: 'hours' }, next: 'remind' },
        { id: 'remind', type: 'send', channel: 'email', templateId: 'cart-reminder', next: 'hold' },
        { id: 'hold', type: 'wait', duration: { amount: 3, unit: 'days' }, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
      settings: { entry: { mode: 'once_per_key' }, conversionWindowDays: 7 },
    });
    await h.journeys.service.activate(WS, journey.id);
    await h.settle();
    for (const user of ['ann', 'bob', 'cid']) await h.identify(user, { email: `${user}@example.com` });
    failing = await h.profileOf('bob');
    for (const user of ['ann', 'bob', 'cid']) await h.track(user, 'Product Added', { cart_id: `cart-${user}`, product_id: 'p1', price: 50 });
    // Cid buys before the reminder goes out: the journey sent nothing that could have caused it.
    await h.track('cid', 'Order Completed', { order_id: 'o-cid', revenue: 30 });
    await h.advance(2 * HOUR);
    // Ann's reminder went out; Bob's failed.
    await h.track('ann', 'Order Completed', { order_id: 'o-ann', revenue: 50 });
    await h.track('bob', 'Order Completed', { order_id: 'o-bob', revenue: 70 });
    const report = await h.journeys.service.report(WS, journey.id);
    expect(report.nodes.find((node) => node.nodeId === 'remind')?.sends).toEqual({ sent: 2, failed: 1 });
    expect(report.conversions.order).toEqual({ runs: 1, conversions: 1, revenue: 50 });
  });
});
