import { Random } from '../../src/demo/random.js';
import { sampleGamma } from '../../src/predictive/models/simulate.js';

const DAY_MS = 86_400_000;

/**
 * A shop whose customers buy as BG/NBD says (λ ~ Gamma(0.8, 60 days), drop-out p ~ Beta(1, 4)),
 * first orders spread over 400 days, a product view before about half the orders.
 */
export function shopEvents(customers: number, seed: number, now: number): Record<string, unknown>[] {
  const random = new Random(seed);
  const uniform = () => random.next();
  const events: Record<string, unknown>[] = [];
  let message = 0;
  for (let c = 0; c < customers; c += 1) {
    const userId = `u${c}`;
    const rate = sampleGamma(uniform, 0.8, 60);
    const ga = sampleGamma(uniform, 1, 1);
    const dropout = ga / (ga + sampleGamma(uniform, 4, 1));
    let at = now - (1 + uniform() * 400) * DAY_MS;
    const spend = 20 + uniform() * 60;
    for (;;) {
      const product = uniform() < 0.6 ? 'coffee' : 'filters';
      events.push({
        type: 'track',
        userId,
        event: 'Order Completed',
        messageId: `m${(message += 1)}`,
        timestamp: new Date(at).toISOString(),
        properties: { total: Number((spend * (0.8 + 0.4 * uniform())).toFixed(2)), products: [{ product_id: product, quantity: 1 + Math.floor(uniform() * 2), price: 10 }] },
      });
      if (uniform() < 0.5)
        events.push({ type: 'track', userId, event: 'Product Viewed', messageId: `m${(message += 1)}`, timestamp: new Date(at - 3_600_000).toISOString(), properties: { product_id: product } });
      const next = at - (Math.log(1 - uniform()) / rate) * DAY_MS;
      if (next > now - DAY_MS || uniform() < dropout) break;
      at = next;
    }
  }
  return events;
}
