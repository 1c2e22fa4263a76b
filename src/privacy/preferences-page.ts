/*
 * The hosted unsubscribe / preferences page: plain server-rendered HTML with forms, so it works
 * in every mail client's browser without JavaScript. Every value is escaped.
 */

import { channelText, pageText, type PageLocale } from './preferences-text.js';

export interface PreferencesModel {
  /** The shopper's language (their profile's locale): the page's words, `lang` and direction. */
  locale: PageLocale;
  /** Where the forms post (the signed link itself). */
  action: string;
  shopName: string;
  /** The workspace brand: the shop's site, logo, button colour and postal address. */
  shopUrl: string | null;
  logoUrl: string | null;
  primaryColor: string;
  postalAddress: string | null;
  channel: string;
  /** Masked address, e.g. `a***@example.com`. */
  address: string | null;
  subscribed: boolean;
  topics: { key: string; label: string; subscribed: boolean }[];
  /** A parting gift offered before unsubscribing (the offer text, e.g. `15% off`). */
  partingOffer: string | null;
  /** After an action: what happened. */
  notice: string | null;
  /** A coupon code claimed on this page. */
  couponCode: string | null;
}

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** `ann@example.com` → `a***@example.com`; phones keep their last 2 digits. */
export function maskAddress(address: string): string {
  const at = address.indexOf('@');
  if (at > 0) return `${address[0]}***${address.slice(at)}`;
  return address.length > 4 ? `${'*'.repeat(address.length - 2)}${address.slice(-2)}` : '***';
}

/**
 * Renders the page.
 * @example const html = renderPreferencesPage({ action: '/v1/u/abc', shopName: 'Shop', channel: 'email', ... });
 */
export function renderPreferencesPage(model: PreferencesModel): string {
  const e = escapeHtml;
  const say = (key: Parameters<typeof pageText>[1], vars: Record<string, string> = {}) => e(pageText(model.locale, key, vars));
  const channel = channelText(model.locale, model.channel);
  const topics = model.topics
    .map(
      (topic) =>
        `<label class="topic"><input type="checkbox" name="topic" value="${e(topic.key)}"${topic.subscribed ? ' checked' : ''}${model.subscribed ? '' : ' disabled'}> ${e(topic.label)}</label>`,
    )
    .join('\n        ');
  const notice = model.notice === null ? '' : `<p class="notice" role="status" id="notice">${e(model.notice)}</p>`;
  const coupon = model.couponCode === null ? '' : `<p class="coupon">${say('yourCode')} <strong id="coupon-code">${e(model.couponCode)}</strong></p>`;
  // The offer is bold inside a sentence whose word order depends on the language.
  const offer = model.partingOffer === null ? '' : say('giftText', { offer: '\u0000' }).replace('\u0000', `<strong>${e(model.partingOffer)}</strong>`);
  const gift =
    model.partingOffer !== null && model.subscribed && model.couponCode === null
      ? `<section class="gift" id="parting-gift">
      <h2>${say('giftTitle')}</h2>
      <p>${offer}</p>
      <button type="submit" name="action" value="stay" id="stay">${say('stay')}</button>
    </section>`
      : '';
  const state = model.address === null ? say('unsubscribedFrom', { channel }) : say('unsubscribedFromAt', { channel, address: model.address });
  const body = model.subscribed
    ? `<form method="post" action="${e(model.action)}" id="preferences">
    ${gift}
    <fieldset>
      <legend>${say('topicsLegend')}</legend>
        ${topics}
      <button type="submit" name="action" value="save_topics" id="save">${say('save')}</button>
    </fieldset>
    <button type="submit" name="action" value="unsubscribe_all" id="unsubscribe-all" class="secondary">${say('unsubscribeAll', { channel })}</button>
  </form>`
    : `<form method="post" action="${e(model.action)}" id="preferences">
    <p id="state">${state}</p>
    <button type="submit" name="action" value="resubscribe" id="resubscribe">${say('resubscribe')}</button>
  </form>`;
  return `<!doctype html>
<html lang="${model.locale}" dir="${model.locale === 'ar' ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${say('title', { shop: model.shopName, channel })}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; color: #1f2933; }
  header { margin-bottom: 1.5rem; } header img { height: 40px; width: auto; max-width: 220px; } .shop { font-size: 1.2rem; font-weight: 700; color: #1f2933; text-decoration: none; }
  footer { margin-top: 2rem; font-size: .85rem; color: #52606d; } footer a { color: #52606d; }
  h1 { font-size: 1.4rem; } fieldset { border: 1px solid #d9e2ec; border-radius: 8px; margin: 1rem 0; padding: 1rem; }
  .topic { display: block; margin: .4rem 0; } button { font: inherit; padding: .6rem 1rem; border-radius: 6px; border: 0; background: #2f6fed; color: #fff; cursor: pointer; margin-top: .5rem; }
  button { background: ${e(model.primaryColor)}; }
  button.secondary { background: #e4e7eb; color: #1f2933; } .gift { background: #fff8e1; border-radius: 8px; padding: 1rem; }
  .notice { background: #e3f9e5; padding: .6rem 1rem; border-radius: 6px; } .coupon strong { font-size: 1.3rem; letter-spacing: .05em; }
</style>
</head>
<body>
  <header id="brand">${brandMark(model)}</header>
  <main>
  <h1>${say('heading', { channel })}</h1>
  ${model.address === null ? '' : `<p>${say('forAddress')} <span id="address" dir="ltr">${e(model.address)}</span></p>`}
  ${notice}
  ${coupon}
  ${body}
  </main>
  <footer>${model.shopUrl === null ? e(model.shopName) : `<a href="${e(model.shopUrl)}">${e(model.shopName)}</a>`}${model.postalAddress === null ? '' : ` · <span id="postal-address">${e(model.postalAddress)}</span>`}</footer>
</body>
</html>`;
}

/** The shop's logo (with its name as alt text) or name, linking to the shop when it has a URL. */
function brandMark(model: Pick<PreferencesModel, 'shopName' | 'shopUrl' | 'logoUrl'>): string {
  const e = escapeHtml;
  const mark = model.logoUrl === null ? `<span class="shop">${e(model.shopName)}</span>` : `<img src="${e(model.logoUrl)}" alt="${e(model.shopName)}">`;
  return model.shopUrl === null ? mark : `<a class="shop" href="${e(model.shopUrl)}">${mark}</a>`;
}

/** A small page for confirmations and errors, with the shop's mark when the workspace is known. */
export function renderMessagePage(title: string, text: string, brand?: Pick<PreferencesModel, 'shopName' | 'shopUrl' | 'logoUrl'>): string {
  const e = escapeHtml;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${e(brand === undefined ? title : `${brand.shopName}: ${title}`)}</title>
<style>body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; } header img { height: 40px; width: auto; max-width: 220px; } .shop { font-size: 1.2rem; font-weight: 700; color: #1f2933; text-decoration: none; }</style></head>
<body>${brand === undefined ? '' : `<header id="brand">${brandMark(brand)}</header>`}<h1>${e(title)}</h1><p id="message">${e(text)}</p></body></html>`;
}
