import { isJsonObject, type JsonObject } from '../ingest/index.js';
import type { TouchKind, TouchPoint } from './state.js';

const searchEngines = ['google.', 'bing.', 'duckduckgo.', 'yahoo.', 'baidu.', 'yandex.', 'ecosia.', 'qwant.', 'startpage.', 'search.brave.'];
const socialSites = ['facebook.', 'fb.', 'instagram.', 'twitter.', 't.co', 'x.com', 'linkedin.', 'lnkd.in', 'pinterest.', 'tiktok.', 'youtube.', 'reddit.', 'snapchat.', 'threads.net', 'whatsapp.'];
const paidMediums = new Set([
  'cpc',
  'ppc',
  'paid',
  'paidsearch',
  'paid_search',
  'paid-search',
  'cpm',
  'cpv',
  'cpa',
  'display',
  'banner',
  'ads',
  'ad',
  'retargeting',
  'paid_social',
  'paidsocial',
  'paid-social',
  'shopping',
]);
const emailMediums = new Set(['email', 'e-mail', 'e_mail', 'newsletter', 'mail']);
const socialMediums = new Set(['social', 'social-network', 'social_network', 'social-media', 'social_media', 'sm', 'organic_social']);

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function hostOf(url: string | null): string | null {
  if (url === null) return null;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

function matches(host: string, list: readonly string[]): boolean {
  const bare = host.startsWith('www.') ? host.slice(4) : host;
  return list.some((entry) => bare.startsWith(entry) || bare.includes(`.${entry}`) || bare === entry);
}

function utmFrom(page: JsonObject | undefined): URLSearchParams | undefined {
  const search = text(page?.search);
  if (search !== null) return new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const url = text(page?.url);
  if (url === null) return undefined;
  try {
    return new URL(url).searchParams;
  } catch {
    return undefined;
  }
}

/** A utm_source names a site either bare (`facebook`) or as a host (`m.facebook.com`). */
function namesSite(source: string, list: readonly string[]): boolean {
  return list.some((entry) => source === entry.replace(/\.$/, '')) || matches(source, list);
}

/** organic / paid / email / social / direct / referral, from UTM fields and the referrer host. */
export function classifyTouch(source: string | null, medium: string | null, referrerHost: string | null): TouchKind {
  const m = medium?.toLowerCase() ?? null;
  const s = source?.toLowerCase() ?? null;
  if (m !== null && paidMediums.has(m)) return 'paid';
  if ((m !== null && emailMediums.has(m)) || (s !== null && emailMediums.has(s))) return 'email';
  if ((m !== null && socialMediums.has(m)) || (s !== null && namesSite(s, socialSites))) return 'social';
  if (m === 'organic') return 'organic';
  if (s !== null || m !== null) return s !== null && namesSite(s, searchEngines) ? 'organic' : 'referral';
  if (referrerHost === null) return 'direct';
  if (matches(referrerHost, searchEngines)) return 'organic';
  if (matches(referrerHost, socialSites)) return 'social';
  return 'referral';
}

/**
 * The traffic source an event carries: `context.campaign` or utm_* in the page URL, plus an
 * external referrer. Internal navigation (referrer on the page's own host) carries none; a page
 * with neither is `direct`. Returns undefined for events without page or campaign context.
 * @example touchPointOf({ campaign: { source: 'google', medium: 'cpc' } })?.kind // 'paid'
 */
export function touchPointOf(context: JsonObject): TouchPoint | undefined {
  const page = isJsonObject(context.page) ? context.page : undefined;
  const campaign = isJsonObject(context.campaign) ? context.campaign : undefined;
  if (page === undefined && campaign === undefined) return undefined;
  const utm = utmFrom(page);
  const field = (name: string): string | null => text(campaign?.[name]) ?? text(utm?.get(`utm_${name}`));
  const source = field('source');
  const medium = field('medium');
  const name = text(campaign?.name) ?? text(utm?.get('utm_campaign'));
  const referrerContext = isJsonObject(context.referrer) ? context.referrer : undefined;
  let referrer = text(page?.referrer) ?? text(referrerContext?.url);
  const referrerHost = hostOf(referrer);
  const pageHost = hostOf(text(page?.url));
  if (referrerHost !== null && pageHost !== null && referrerHost === pageHost) {
    if (source === null && medium === null && name === null) return undefined;
    referrer = null;
  }
  return {
    kind: classifyTouch(source, medium, referrer === null ? null : referrerHost),
    source,
    medium,
    campaign: name,
    term: field('term'),
    content: field('content'),
    referrer,
  };
}
