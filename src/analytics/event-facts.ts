import { isJsonObject, type JsonObject, type TrackingMessage } from '../ingest/index.js';
import { deviceTypeOf, touchPointOf } from '../profiles/index.js';
import { ownValue } from '../shared/own.js';

/*
 * The columns the analytics replica keeps for one logged event: what funnels, cohorts, RFM,
 * attribution and the KPI report group and sum by, extracted once when the event is copied.
 * Pure: a message in, plain values out.
 */

/** A channel a Rapport message reached the customer on, for message attribution. */
export type MessageChannel = 'email' | 'sms' | 'push' | 'onsite';

/**
 * Message interactions that can earn a conversion, with their channel. The attribution
 * windows per channel are parameters of the analysis (defaults in `attribution.ts`).
 */
export const messageTouchEvents: Readonly<Record<string, MessageChannel>> = {
  'Email Opened': 'email',
  'Email Link Clicked': 'email',
  'SMS Link Clicked': 'sms',
  'Push Notification Opened': 'push',
  'Push Notification Clicked': 'push',
  'Onsite Campaign Clicked': 'onsite',
  'In-App Message Clicked': 'onsite',
};

/** Event names that carry a Net Promoter answer (0-10) in `properties.nps` or `properties.score`. */
export const surveyEvents: readonly string[] = ['Survey Responded', 'NPS Survey Submitted', 'NPS Submitted'];

export const orderEvent = 'Order Completed';

export interface EventFacts {
  /** Order revenue (Order Completed only): `revenue`, else `total`, else Σ price × quantity. */
  revenue: number | null;
  orderId: string | null;
  /** Traffic source the event carries (organic, paid, email, social, referral, direct), if any. */
  touchKind: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  device: string | null;
  country: string | null;
  /** For message interactions: the channel and the campaign (or journey) that sent it. */
  messageChannel: MessageChannel | null;
  messageCampaign: string | null;
  /** Survey events: the 0-10 answer. */
  nps: number | null;
  /** `properties` as JSON text, for property filters. */
  properties: string;
}

function num(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

function str(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function orderRevenue(properties: JsonObject): number | null {
  const direct = num(properties.revenue) ?? num(properties.total);
  if (direct !== null) return direct;
  if (!Array.isArray(properties.products)) return null;
  let total = 0;
  let any = false;
  for (const product of properties.products) {
    if (!isJsonObject(product)) continue;
    const price = num(product.price);
    if (price === null) continue;
    total += price * (num(product.quantity) ?? 1);
    any = true;
  }
  return any ? total : null;
}

function countryOf(message: TrackingMessage): string | null {
  const location = isJsonObject(message.context.location) ? message.context.location : undefined;
  const traits = isJsonObject(message.context.traits) ? message.context.traits : isJsonObject(message.traits) ? message.traits : undefined;
  const address = isJsonObject(traits?.address) ? traits.address : undefined;
  const country = str(location?.country) ?? str(address?.country) ?? str(traits?.country);
  return country === null ? null : country.toUpperCase();
}

/**
 * Extracts the replica's columns from a stored message.
 * @example eventFacts({ type: 'track', event: 'Order Completed', properties: { revenue: 42 }, ... }).revenue // 42
 */
export function eventFacts(message: TrackingMessage): EventFacts {
  const properties = isJsonObject(message.properties) ? message.properties : {};
  const isOrder = message.type === 'track' && message.event === orderEvent;
  const touch = touchPointOf(message.context);
  const channel = message.type === 'track' && message.event !== undefined ? ownValue(messageTouchEvents, message.event) : undefined;
  const survey = message.type === 'track' && message.event !== undefined && surveyEvents.includes(message.event);
  const answer = survey ? (num(properties.nps) ?? num(properties.score)) : null;
  return {
    revenue: isOrder ? (orderRevenue(properties) ?? 0) : null,
    orderId: isOrder ? str(properties.order_id) : null,
    touchKind: touch?.kind ?? null,
    source: touch?.source?.toLowerCase() ?? null,
    medium: touch?.medium?.toLowerCase() ?? null,
    campaign: touch?.campaign ?? null,
    device: deviceTypeOf(message.context) ?? null,
    country: countryOf(message),
    messageChannel: channel ?? null,
    messageCampaign: channel === undefined ? null : (str(properties.campaign_id) ?? str(properties.campaign_name) ?? str(properties.journey_id) ?? str(properties.campaign) ?? 'unknown'),
    nps: answer !== null && answer >= 0 && answer <= 10 ? answer : null,
    properties: JSON.stringify(properties),
  };
}
