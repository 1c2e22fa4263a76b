import type { Session } from '../session.js';
import type { Cart, Device, Rule, TrafficSource, VisitorFacts } from '../types.js';

/*
 * Audience rules, AND'd. Each rule fails closed: an unknown rule type, a bad pattern or a fact the
 * server did not give (an unverified identified visitor gets no segments) means "not in audience".
 */
export interface RuleEnv {
  url: string;
  path: string;
  host: string;
  device: Device;
  language: string;
  facts: VisitorFacts | null;
  session: Session;
  visits: number[];
  cart: Cart | null;
  identified: boolean;
  time: number;
}

const SOCIAL = /(^|\.)(facebook|instagram|twitter|x|t|linkedin|lnkd|pinterest|tiktok|reddit|youtube|snapchat|threads|line|vk|weibo)\.(com|co|net|me|in|cn)$/;
const SEARCH = /(^|\.)(google|bing|duckduckgo|yahoo|baidu|yandex|ecosia|naver|qwant|startpage)\.[a-z.]+$/;
const PAID = /^(cpc|ppc|paid|paidsearch|paid_social|paidsocial|display|cpm|affiliate)$/i;

/** Device class from the user agent, with the viewport width as a fallback for desktop-mode tablets. */
export function deviceOf(agent: string, width: number): Device {
  if (/iPad|Tablet|PlayBook|Silk|Android(?!.*Mobile)/i.test(agent)) return 'tablet';
  if (/Mobi|iPhone|iPod|Android.*Mobile|Windows Phone/i.test(agent) || width < 600) return 'mobile';
  return 'desktop';
}

/** The session's traffic source from its landing UTM values and referrer. */
export function sourceOf(session: Session, host: string): TrafficSource {
  const medium = session.utm?.medium ?? '';
  if (PAID.test(medium)) return 'paid';
  if (/e-?mail|newsletter/i.test(medium)) return 'email';
  if (/social/i.test(medium)) return 'social';
  let referrer: string;
  try {
    referrer = session.referrer === '' ? '' : new URL(session.referrer).hostname;
  } catch {
    referrer = '';
  }
  if (referrer === '' || referrer === host) return session.utm === null ? 'direct' : 'referral';
  if (SOCIAL.test(referrer)) return 'social';
  if (SEARCH.test(referrer)) return 'organic';
  return 'referral';
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** URL rules match the path when their value starts with "/", else the whole URL. */
function urlMatches(rule: Extract<Rule, { type: 'url' }>, env: RuleEnv): boolean {
  const subject = rule.value.startsWith('/') ? env.path : env.url;
  const value = rule.value;
  let result: boolean;
  try {
    if (rule.match === 'equals') result = subject === value;
    else if (rule.match === 'contains') result = subject.includes(value);
    else if (rule.match === 'starts_with') result = subject.startsWith(value);
    else if (rule.match === 'ends_with') result = subject.endsWith(value);
    else if (rule.match === 'regex') result = new RegExp(value).test(subject);
    else if (rule.match === 'glob') result = globToRegExp(value).test(subject);
    else return false;
  } catch {
    return false;
  }
  return rule.negate ? !result : result;
}

const within = (value: number, min: number | undefined, max: number | undefined) => (min === undefined || value >= min) && (max === undefined || value <= max);

function cartMatches(rule: Extract<Rule, { type: 'cart' }>, cart: Cart | null): boolean {
  if (cart === null) return false;
  if (!within(cart.value, rule.minValue, rule.maxValue)) return false;
  if (rule.minItems !== undefined && cart.items < rule.minItems) return false;
  return rule.productIds === undefined || rule.productIds.length === 0 || rule.productIds.some((id) => cart.productIds.includes(id));
}

function trafficMatches(rule: Extract<Rule, { type: 'traffic_source' }>, env: RuleEnv): boolean {
  if (rule.sources.length > 0 && !rule.sources.includes(sourceOf(env.session, env.host))) return false;
  const utm = env.session.utm;
  const wanted = rule.utm;
  if (wanted === undefined) return true;
  return (
    (wanted.source === undefined || wanted.source === utm?.source) && (wanted.medium === undefined || wanted.medium === utm?.medium) && (wanted.campaign === undefined || wanted.campaign === utm?.name)
  );
}

function visitsIn(env: RuleEnv, days: number): number {
  const since = env.time - days * 86_400_000;
  const local = env.visits.filter((start) => start >= since).length;
  return days >= 30 && env.facts !== null ? Math.max(local, env.facts.visits.last30d) : local;
}

/** Whether one rule holds for the visitor and page now. */
export function ruleMatches(rule: Rule, env: RuleEnv): boolean {
  const facts = env.facts;
  switch (rule.type) {
    case 'url':
      return urlMatches(rule, env);
    case 'device':
      return rule.devices.includes(env.device);
    case 'country':
      return facts?.country != null && rule.countries.includes(facts.country);
    case 'traffic_source':
      return trafficMatches(rule, env);
    case 'visitor':
      return (rule.kind === 'returning') === (env.session.returning || (facts?.visits.first != null && Date.parse(facts.visits.first) < env.session.start));
    case 'visits':
      return within(visitsIn(env, rule.days), rule.min, rule.max);
    case 'pages_this_session':
      return within(env.session.pages, rule.min, rule.max);
    case 'cart':
      return cartMatches(rule, env.cart ?? facts?.cart ?? null);
    case 'segment':
      return (
        facts !== null && (rule.allow === undefined || rule.allow.length === 0 || rule.allow.some((id) => facts.segments.includes(id))) && !(rule.deny ?? []).some((id) => facts.segments.includes(id))
      );
    case 'identified':
      return (env.identified || facts?.identified === true) === rule.value;
    case 'score_tier': {
      const tier = facts?.tiers[rule.score];
      return tier != null && rule.tiers.includes(tier);
    }
    case 'subscribed':
      return facts !== null && facts.subscribed[rule.channel] === rule.value;
    case 'language':
      return rule.languages.some((language) => env.language === language.toLowerCase() || env.language.startsWith(`${language.toLowerCase()}-`));
    default:
      return false;
  }
}

/** Rules that can only be decided with the visitor's server-side facts. */
export function needsFacts(rule: Rule): boolean {
  return rule.type === 'country' || rule.type === 'segment' || rule.type === 'score_tier' || rule.type === 'subscribed';
}
