import { describe, expect, it } from 'vitest';
import { compileSource, parseCompiled } from './compile.js';
import { renderLiquid, type TemplateLookups } from './liquid-engine.js';
import { starterTemplates } from './starters.js';

const lookups: TemplateLookups = {
  product: async (id) => ({ id, name: `Product ${id}`, url: `https://shop.example/p/${id}`, image_url: null, price: 20, currency: 'EUR', category: null, brand: null }),
  recommendations: async () => [{ id: 'r1', name: 'Wool Hat', url: 'https://shop.example/p/r1', image_url: null, price: 25, currency: 'EUR', category: null, brand: null }],
};

describe('starter templates', () => {
  it.each(starterTemplates.map((starter) => [starter.key, starter] as const))('%s compiles and renders for an empty profile without errors or raw Liquid', async (_key, starter) => {
    const compiled = await compileSource(starter.channel, starter.source);
    for (const content of Object.values(compiled)) {
      const parsed = parseCompiled(content);
      for (const part of Object.values(parsed)) {
        if (part === undefined) continue;
        const empty = await renderLiquid(part, { profile: {}, cart: null, coupon: null, event: null }, lookups);
        const full = await renderLiquid(
          part,
          {
            profile: { first_name: 'Ann', computed: { orders: 2 } },
            cart: { items: [{ id: 'p1', name: 'Rain Jacket', qty: 1, price: 120 }] },
            coupon: { code: 'WB-7K2M', description: '15% off', expires_at: '2025-05-01T00:00:00Z' },
            event: { product_id: 'p1', name: 'Rain Jacket', price: 99, previous_price: 120, currency: 'EUR' },
            unsubscribe_url: 'https://r.example/u/x',
          },
          lookups,
        );
        for (const text of [empty, full]) {
          expect(text).not.toMatch(/\{\{|\{%|Liquid error/);
        }
      }
    }
  });

  it('personalises the cart reminder with fallbacks', async () => {
    const starter = starterTemplates.find((entry) => entry.key === 'cart_reminder_sms');
    const parsed = parseCompiled(
      (await compileSource('sms', starter?.source ?? { default: { body: '' } })).default ?? { subject: undefined, html: undefined, text: undefined, title: undefined, url: undefined },
    );
    if (parsed.text === undefined) throw new Error('no text');
    expect(await renderLiquid(parsed.text, { profile: {}, shop_url: 'https://s.example' }, lookups)).toBe('Hi, your cart is waiting. https://s.example Reply STOP to opt out');
    expect(await renderLiquid(parsed.text, { profile: { first_name: 'Ann' }, coupon: { code: 'C-1', description: '10% off' }, cart_url: 'https://s.example/c' }, lookups)).toBe(
      'Ann, your cart is waiting: 10% off with C-1. https://s.example/c Reply STOP to opt out',
    );
  });
});
