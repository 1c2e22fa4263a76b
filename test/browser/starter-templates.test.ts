import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSource, htmlToText, parseCompiled } from '../../src/templates/compile.js';
import { renderLiquid, type TemplateLookups } from '../../src/templates/liquid-engine.js';
import type { SlotProduct } from '../../src/templates/recommendation-slot.js';
import { starterTemplates } from '../../src/templates/starters.js';
import { brandContext, unbranded, type BrandView } from '../../src/workspaces/brand.js';

/*
 * Issue 13, item 4: every starter email renders cleanly in headless Chromium at 600 px and
 * 375 px, for a customer with full data (brand, name, cart, coupon, event, picks with images)
 * and for one with none (an unbranded shop, an empty profile). Screenshots are kept in
 * test-artifacts/starter-templates/ (git-ignored) for people to look at; the assertions check
 * what a reader would notice: empty tags, empty links or images, images without alt text,
 * character references shown as text, raw Liquid, placeholder shops, and sideways scrolling.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts/starter-templates');
const widths = [600, 375] as const;

/** An image that needs no network: a coloured tile with a word, as a data URI. */
function tile(colour: string, word: string, width = 240, height = 240): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${colour}"/><text x="50%" y="55%" font-family="Arial" font-size="${Math.round(height / 6)}" fill="#fff" text-anchor="middle">${word}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

const brand: BrandView = {
  configured: true,
  shopName: 'Alpine & Co. Outfitters',
  shopUrl: 'https://alpine.example',
  logoUrl: tile('#0b7a5c', 'ALPINE', 220, 40),
  colors: { primary: '#0b7a5c', text: '#102a43', background: '#eef2f1' },
  postalAddress: '12 Glacier Road, 3920 Zermatt, Switzerland',
  senderName: 'Alpine',
  senderEmail: 'hello@alpine.example',
  cartUrlPattern: '{shop_url}/cart?restore={cart_id}',
  updatedAt: null,
};

const catalog = new Map<string, SlotProduct>(
  [
    { id: 'jacket', name: 'Alpine Rain Jacket', price: 120, colour: '#2f6fed' },
    { id: 'boots', name: 'Trail Boots "Summit"', price: 149.5, colour: '#8e44ad' },
    { id: 'hat', name: 'Wool Hat', price: 25, colour: '#c0392b' },
    { id: 'scarf', name: 'Merino Scarf', price: 39, colour: '#d35400' },
    { id: 'socks', name: 'Hiking Socks (3 pairs)', price: 18, colour: '#16a085' },
  ].map((item): [string, SlotProduct] => [
    item.id,
    {
      id: item.id,
      name: item.name,
      url: `https://alpine.example/p/${item.id}`,
      image_url: tile(item.colour, item.name.split(' ')[0] ?? item.id),
      price: item.price,
      currency: 'EUR',
      category: null,
      brand: null,
    },
  ]),
);

const fullLookups: TemplateLookups = {
  product: async (id) => catalog.get(id),
  recommendations: async (_slot, limit) => ['hat', 'scarf', 'socks', 'boots'].slice(0, limit).flatMap((id) => catalog.get(id) ?? []),
};
const emptyLookups: TemplateLookups = { product: async () => undefined, recommendations: async () => [] };

const fullData: Record<string, unknown> = {
  brand: brandContext(brand),
  shop_url: brand.shopUrl,
  cart_url: 'https://alpine.example/cart?restore=cart-42',
  review_url: 'https://alpine.example/reviews/new',
  confirm_url: 'https://rapport.example/v1/confirm/abc',
  unsubscribe_url: 'https://rapport.example/v1/u/abc',
  preview: 'Your cart is saved, and a code inside',
  day: 3,
  profile: { first_name: 'Anna-Lena', computed: { orders: 3 } },
  cart: {
    id: 'cart-42',
    items: [
      { id: 'jacket', name: 'Alpine Rain Jacket', qty: 1, price: 120 },
      { id: 'boots', name: 'Trail Boots "Summit"', qty: 2, price: 149.5 },
    ],
  },
  coupon: { code: 'ALP-7K2M-Q9XW', description: '15% off', offer: { type: 'percent', value: 15 }, expires_at: '2026-12-24T00:00:00Z' },
  event: {
    product_id: 'jacket',
    name: 'Alpine Rain Jacket',
    price: 99,
    previous_price: 120,
    currency: 'EUR',
    order_id: 'A-1042',
    products: [
      { product_id: 'socks', name: 'Hiking Socks (3 pairs)', price: 18, quantity: 1 },
      { product_id: 'hat', name: 'Wool Hat', price: 25, quantity: 1 },
    ],
  },
};
// What a send fills in for a shop with no brand and a person it knows nothing about.
const emptyData: Record<string, unknown> = {
  brand: brandContext(unbranded('Default')),
  shop_url: null,
  cart_url: null,
  unsubscribe_url: 'https://rapport.example/v1/u/xyz',
  profile: {},
  cart: null,
  coupon: null,
  event: null,
};

/** Inline elements that must never render empty, and attributes that must never be blank. */
const emptyTag = /<(strong|span|b|em|i|s|a|p|h[1-6]|li|td)\b[^>]*>\s*<\/\1>/gi;
const blankAttribute = /\s(href|src|alt)="\s*"/gi;
const entityAsText = /&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#\d{1,7}|#x[0-9a-fA-F]{1,6});/;

interface Rendered {
  name: string;
  subject: string;
  html: string;
  text: string;
}

async function renderAll(): Promise<Rendered[]> {
  const out: Rendered[] = [];
  for (const starter of starterTemplates.filter((entry) => entry.channel === 'email')) {
    const compiled = await compileSource('email', starter.source);
    for (const [locale, content] of Object.entries(compiled)) {
      const parsed = parseCompiled(content);
      if (parsed.html === undefined || parsed.subject === undefined) throw new Error(`${starter.key} has no HTML`);
      for (const [variant, data, lookups] of [
        ['full', fullData, fullLookups],
        ['none', emptyData, emptyLookups],
      ] as const) {
        const html = await renderLiquid(parsed.html, data, lookups);
        const subject = (await renderLiquid(parsed.subject, data, lookups)).trim();
        out.push({ name: `${starter.key}-${locale}-${variant}`, subject, html, text: htmlToText(html) });
      }
    }
  }
  return out;
}

describe('starter emails in headless Chromium', () => {
  let browser: Browser;
  let rendered: Rendered[];

  beforeAll(async () => {
    rendered = await renderAll();
    fs.rmSync(ARTIFACTS, { recursive: true, force: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders every starter, locale and data variant', () => {
    const emailStarters = starterTemplates.filter((entry) => entry.channel === 'email').length;
    expect(rendered.length).toBeGreaterThanOrEqual(emailStarters * 2);
  });

  it('leaves no empty tags, blank links or images, images without alt text, raw Liquid or placeholder shops in the HTML', () => {
    for (const message of rendered) {
      const body = message.html.slice(message.html.indexOf('<body'));
      expect(body.match(emptyTag) ?? [], message.name).toEqual([]);
      expect(body.match(blankAttribute) ?? [], message.name).toEqual([]);
      for (const image of body.match(/<img\b[^>]*>/g) ?? []) expect(image, message.name).toMatch(/\salt="[^"]+"/);
      // Escaped once for HTML, never twice (which would show "&amp;" or "&times;" to the reader).
      expect(body, message.name).not.toMatch(/&amp;(?:[a-zA-Z]+|#\d+);/);
      expect(`${message.subject}\n${body}`, message.name).not.toMatch(/\{\{|\{%|Liquid error|example\.com|undefined|\bnull\b/);
      expect(message.subject, message.name).not.toMatch(/\s{2}|\s[,.:!?]|^\s|,\s*$/);
    }
  });

  it('writes plain-text parts with no markup and no character references', () => {
    for (const message of rendered) {
      expect(message.text, message.name).not.toMatch(entityAsText);
      expect(message.text, message.name).not.toMatch(/<\/?[a-zA-Z][^>]*>/);
      // (French sets a space before "?" and "!": only commas and full stops are checked.)
      expect(message.text, message.name).not.toMatch(/\(\s*\)|\s[,.](\s|$)/m);
      expect(message.text.length, message.name).toBeGreaterThan(40);
    }
    const full = rendered.find((message) => message.name === 'cart_reminder-default-full');
    expect(full?.text.split('\n')[0]).toBe('Alpine & Co. Outfitters (https://alpine.example)');
    expect(full?.text).toContain('Trail Boots "Summit"\n× 2 · €149.50');
    expect(full?.text).toContain('Back to my cart (https://alpine.example/cart?restore=cart-42)');
    // Without a coupon the coupon line is gone, not left as "with code".
    const none = rendered.find((message) => message.name === 'cart_reminder-default-none');
    expect(none?.text).not.toMatch(/with code|Back to my cart|Picked for you/);
  });

  it('fits 600 px and 375 px screens without sideways scrolling; screenshots are kept for review', async () => {
    const page = await browser.newPage();
    // Images are data URIs: nothing may be fetched from the network.
    await page.route(/^https?:/, (route) => route.abort());
    try {
      for (const width of widths) {
        await page.setViewportSize({ width, height: 900 });
        for (const message of rendered) {
          await page.setContent(message.html, { waitUntil: 'load' });
          const layout = await page.evaluate(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            text: document.body.innerText,
            brokenImages: [...document.images].filter((image) => !image.complete || image.naturalWidth === 0).map((image) => image.alt),
          }));
          expect(layout.scrollWidth, `${message.name} at ${width}px`).toBeLessThanOrEqual(width);
          expect(layout.text, message.name).not.toMatch(entityAsText);
          expect(layout.brokenImages, message.name).toEqual([]);
          await page.screenshot({ path: path.join(ARTIFACTS, `${message.name}-${width}.png`), fullPage: true });
        }
      }
    } finally {
      await page.close();
    }
    expect(fs.readdirSync(ARTIFACTS).filter((file) => file.endsWith('.png'))).toHaveLength(rendered.length * widths.length);
  }, 300_000);
});
