import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { CouponService } from '../coupons/coupon-service.js';
import { manualClock } from '../shared/clock.js';
import { starterTemplates } from '../templates/starters.js';
import { TemplateService } from '../templates/template-service.js';
import { createJourneys, type Journeys } from './journeys.js';
import { prepareRecipe } from './recipe-installer.js';
import { recipeNeeds, recipes } from './recipes.js';
import { RecordingSender } from './recording-sender.js';

describe('recipe needs', () => {
  it.each(Object.keys(recipes))('%s: the default ids of its send nodes are the ones it installs, from starters of the right channel', (name) => {
    const build = recipes[name];
    const needs = recipeNeeds[name];
    if (build === undefined || needs === undefined) throw new Error(`no needs for ${name}`);
    const definition = build();
    const sends = definition.nodes.flatMap((node) => (node.type === 'send' ? [node] : []));
    expect(new Set(sends.map((node) => node.templateId))).toEqual(new Set(Object.values(needs.templates).map((need) => need.id)));
    expect(new Set(sends.flatMap((node) => (node.coupon === undefined ? [] : [node.coupon.poolId])))).toEqual(new Set(Object.values(needs.coupons).map((need) => need.id)));
    for (const node of sends) {
      const need = Object.values(needs.templates).find((entry) => entry.id === node.templateId);
      expect(starterTemplates.find((starter) => starter.key === need?.starter)?.channel, `${node.id} sends ${node.channel}`).toBe(node.channel);
    }
    // Every role can be overridden by name.
    const roles = Object.fromEntries(Object.keys(needs.templates).map((role) => [role, `custom-${role}`]));
    const custom = build({ templates: roles }).nodes.flatMap((node) => (node.type === 'send' ? [node.templateId] : []));
    expect(custom.every((id) => id.startsWith('custom-'))).toBe(true);
  });
});

describe('demo pace', () => {
  it('makes every wait and timeout a minute and drops quiet hours and send windows, nothing else', async () => {
    for (const name of ['abandoned-cart', 'price-drop', 'welcome-series']) {
      const real = (await prepareRecipe('ws', name)).definition;
      const demo = (await prepareRecipe('ws', name, { pace: 'demo' })).definition;
      expect(demo.trigger).toEqual(real.trigger);
      expect(demo.settings?.quietHours).toBeUndefined();
      expect(demo.settings?.sendWindow).toBeUndefined();
      expect(demo.settings?.goal).toEqual(real.settings?.goal);
      expect(demo.nodes.map((node) => node.id)).toEqual(real.nodes.map((node) => node.id));
      for (const node of demo.nodes) {
        if (node.type === 'wait') expect(node.duration).toEqual({ amount: 1, unit: 'minutes' });
        if (node.type === 'wait_event') expect(node.timeout).toEqual({ amount: 1, unit: 'minutes' });
      }
    }
    // The real pace keeps the recipe as written.
    const real = (await prepareRecipe('ws', 'price-drop')).definition;
    expect(real.settings?.quietHours).toEqual({ start: '21:00', end: '08:00' });
  });
});

describe.each(dialects)('installing recipes on %s', (dialect) => {
  let store: TestStore;
  let templates: TemplateService;
  let coupons: CouponService;
  let journeys: Journeys;
  const clock = manualClock(Date.parse('2026-03-02T12:00:00Z'));

  beforeEach(async () => {
    store = await createTestStore(dialect);
    templates = new TemplateService({ database: store.database, clock });
    coupons = new CouponService({ database: store.database, clock });
    journeys = createJourneys({ database: store.database, clock, sender: new RecordingSender(), recipeSupplies: { templates, coupons } });
  });
  afterEach(async () => {
    await store.drop();
  });

  it('creates the missing templates from the starters and the coupon pools, once, then the journey with their ids', async () => {
    const first = await journeys.service.installRecipe('ws', 'abandoned-cart', { activate: true });
    expect(first.journey.status).toBe('active');
    expect(first.templates).toEqual([
      { role: 'reminder', id: 'cart-reminder', created: true },
      { role: 'coupon', id: 'cart-coupon', created: true },
      { role: 'scarcity', id: 'cart-flash-sale', created: true },
    ]);
    expect(first.coupons).toEqual([{ role: 'coupon', id: 'cart-10-off', created: true }]);
    expect(await templates.get('ws', 'cart-reminder')).toMatchObject({ name: 'Cart reminder', channel: 'email', publishedVersion: 1 });
    expect(await coupons.getPool('ws', 'cart-10-off')).toMatchObject({ prefix: 'CART-', mode: 'generated', rule: { kind: 'fixed', offer: { type: 'percent', value: 10 } }, expiresAfterDays: 7 });
    const coupon = first.journey.definition.nodes.find((node) => node.id === 'coupon');
    expect(coupon).toMatchObject({ templateId: 'cart-coupon', coupon: { poolId: 'cart-10-off' } });

    // A second install reuses them (a shop edits its templates; they are not replaced).
    const second = await journeys.service.installRecipe('ws', 'abandoned-cart');
    expect([...second.templates, ...second.coupons].every((supply) => !supply.created)).toBe(true);
    expect((await templates.list('ws')).length).toBe(3);
    expect((await coupons.listPools('ws')).length).toBe(1);
  });

  it('keeps role overrides, and explains bad ones', async () => {
    const { template } = await templates.create('ws', { name: 'Mine', channel: 'email', source: { default: { subject: 'Hi', body: '<p>Hi</p>' } } });
    const pool = await coupons.createPool('ws', { name: 'Mine', rule: { kind: 'fixed', offer: { type: 'free_shipping' } } });
    const installed = await journeys.service.installRecipe('ws', 'birthday', { templates: { greeting: template.id }, coupons: { gift: pool.id } });
    expect(installed.templates).toEqual([{ role: 'greeting', id: template.id, created: false }]);
    expect(installed.coupons).toEqual([{ role: 'gift', id: pool.id, created: false }]);
    expect(installed.journey.definition.nodes[0]).toMatchObject({ templateId: template.id, coupon: { poolId: pool.id } });
    expect((await templates.list('ws')).map((entry) => entry.id)).toEqual([template.id]);

    await expect(journeys.service.installRecipe('ws', 'birthday', { coupons: { gift: 'nope' } })).rejects.toThrow(
      'coupons.gift: no coupon pool "nope"; create it (POST /api/v1/coupons/pools) or leave the role out to get the default pool',
    );
    await expect(journeys.service.installRecipe('ws', 'birthday', { templates: { cake: 'x' } })).rejects.toThrow(
      'templates.cake: recipe "birthday" has no such role; its templates roles are greeting',
    );
    await expect(journeys.service.installRecipe('ws', 'birthday', { templates: { greeting: 'missing' } })).rejects.toThrow(/missing/);
    await expect(journeys.service.installRecipe('ws', 'nope')).rejects.toThrow(/no recipe "nope"; choose one of abandoned-cart/);
    await expect(journeys.service.installRecipe('ws', 're-engagement-gift', { currency: 'euro' })).rejects.toThrow('currency must be an ISO 4217 code such as EUR or USD, got "euro"');
    // A template of another channel under the default id is not silently used.
    await templates.create('ws', { name: 'SMS', channel: 'sms', source: { default: { body: 'hi' } } }, 'anniversary');
    await expect(journeys.service.installRecipe('ws', 'anniversary')).rejects.toThrow(
      'templates.thanks: template "anniversary" exists for sms, but recipe "anniversary" sends email there; pass templates.thanks naming a email template',
    );
  });

  it('installs every recipe: each template compiles from its starter, fixed amounts take the shop currency', async () => {
    for (const name of Object.keys(recipes)) {
      const installed = await journeys.service.installRecipe('ws', name, { currency: 'EUR' });
      expect(installed.journey.name.length).toBeGreaterThan(0);
    }
    const ids = (await templates.list('ws')).map((template) => template.id).sort();
    expect(ids).toEqual([...new Set(Object.values(recipeNeeds).flatMap((needs) => Object.values(needs.templates).map((need) => need.id)))].sort());
    expect(await coupons.getPool('ws', 'gift-card-5')).toMatchObject({ rule: { kind: 'fixed', offer: { type: 'fixed', value: 5, currency: 'EUR' } } });
    expect(await coupons.getPool('ws', 'mystery-day-12')).toMatchObject({ prefix: 'DAY12-', rule: { kind: 'mystery' }, expiresAfterDays: 1 });
    expect((await coupons.listPools('ws')).length).toBe(5 + 12);
  });

  it('without supplies (record-only delivery) uses the recipe ids as they are and creates nothing', async () => {
    const prepared = await prepareRecipe('ws', 'abandoned-cart', { templates: { reminder: 'mine' } });
    expect(prepared.templates.map((supply) => supply.id)).toEqual(['mine', 'cart-coupon', 'cart-flash-sale']);
    expect(prepared.coupons).toEqual([{ role: 'coupon', id: 'cart-10-off', created: false }]);
    expect(await templates.list('ws')).toEqual([]);
  });
});
