import { isObject, report } from '../util.js';
import type { CompiledCampaign, Content, InboxMessage, PushOutcome, Recommendation } from '../types.js';
import { markConverted, markSignup } from './caps.js';
import { call, errorOf } from './net.js';
import type { WidgetHooks } from './render.js';
import type { Onsite } from './runtime.js';

/*
 * What a widget may ask of the core (the contract's WidgetContext): coupon reveal, form submit,
 * recommendations, inbox and push, each a call to Rapport's public endpoints with the visitor's
 * ids, plus the interaction events. Failures come back as values; a widget never sees a throw.
 */
type Log = (event: string, extra?: Record<string, unknown>) => void;

function visitorIds(onsite: Onsite): { anonymousId: string; userId?: string; userHash?: string } {
  const { anonymousId, userId, userHash } = onsite.tracker;
  return { anonymousId, ...(userId === null ? {} : { userId }), ...(userHash === null ? {} : { userHash }) };
}

function toKey(base64url: string): Uint8Array<ArrayBuffer> {
  const text = atob((base64url + '='.repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Permission, service worker, push subscription, registration with Rapport (the widget drew the soft prompt first). */
async function requestPush(onsite: Onsite): Promise<PushOutcome> {
  if (!('Notification' in window) || !('serviceWorker' in navigator) || !('PushManager' in window)) return 'unsupported';
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission;
  const registration = await navigator.serviceWorker.register(onsite.swUrl);
  const key = await call(onsite.endpoint, '/v1/push/vapid-public-key');
  if (typeof key.body.publicKey !== 'string') return 'unsupported';
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: toKey(key.body.publicKey) });
  const { anonymousId, userId } = visitorIds(onsite);
  await call(onsite.endpoint, '/v1/push/subscriptions', { writeKey: onsite.endpoint.writeKey, anonymousId, ...(userId === undefined ? {} : { userId }), subscription: subscription.toJSON() });
  return 'granted';
}

async function recommendations(onsite: Onsite, strategy: string, count: number): Promise<Recommendation[]> {
  const { anonymousId, userId } = visitorIds(onsite);
  const reply = await call(onsite.endpoint, '/v1/recommendations', undefined, { strategy, limit: String(count), anonymousId, userId });
  const items = Array.isArray(reply.body.items) ? reply.body.items : [];
  const id = typeof reply.body.recommendation_id === 'string' ? reply.body.recommendation_id : '';
  return items.map((item: Record<string, unknown>) => ({
    id: String(item.id),
    name: typeof item.name === 'string' ? item.name : String(item.id),
    ...(typeof item.url === 'string' ? { url: item.url } : {}),
    ...(typeof item.image_url === 'string' ? { imageUrl: item.image_url } : {}),
    ...(typeof item.price === 'number' ? { price: item.price } : {}),
    ...(typeof item.currency === 'string' ? { currency: item.currency } : {}),
    recommendationId: id,
  }));
}

/** The hooks one rendered campaign gets. */
export function widgetHooks(onsite: Onsite, campaign: CompiledCampaign, variant: string, content: Content, locale: string, log: Log): WidgetHooks {
  const endpoint = onsite.endpoint;
  const guarded = <T>(work: () => Promise<T>, fallback: T): Promise<T> =>
    work().catch((error: unknown) => {
      report(error);
      return fallback;
    });
  return {
    campaign,
    variant,
    content,
    locale,
    visitor: onsite.facts,
    cart: () => onsite.cart ?? onsite.facts?.cart ?? null,
    onCart: (listener) => onsite.onCart(listener),
    reveal: () =>
      guarded(
        async () => {
          const reply = await call(endpoint, '/v1/onsite/reveal', { campaignId: campaign.id, variant, ...visitorIds(onsite) });
          if (!reply.ok) return { code: null, reason: errorOf(reply) };
          return reply.body as { code: string | null; discount?: { kind: string; value: number }; reason?: string };
        },
        { code: null, reason: 'network' },
      ),
    submit: (data) =>
      guarded(
        async () => {
          const reply = await call(endpoint, '/v1/onsite/submit', { campaignId: campaign.id, variant, ...visitorIds(onsite), ...data, locale });
          if (!reply.ok) return { ok: false, error: errorOf(reply) };
          if (data.email !== undefined || data.phone !== undefined) markSignup();
          onsite.refreshFacts(true); // the submit identified the visitor
          return { ok: true };
        },
        { ok: false, error: 'network' },
      ),
    recommendations: (strategy, count) => guarded(() => recommendations(onsite, strategy, count), []),
    clicked: (target, properties) => {
      // Widget properties first, so they can add (recommendation_id) but never overwrite campaign_id or variant.
      const extra = isObject(properties) ? { ...properties } : {};
      log('Experience Clicked', target === undefined ? extra : { ...extra, target });
      if (campaign.teaserOf !== undefined && (target === 'open' || target === 'reopen')) onsite.reopen(campaign);
    },
    converted: () => {
      log('Experience Submitted');
      markConverted(campaign.id);
    },
    requestPush: () => guarded(() => requestPush(onsite), 'unsupported' as PushOutcome),
    inbox: () =>
      guarded(
        async () => {
          const reply = await call(endpoint, '/v1/inbox', undefined, { anonymousId: onsite.tracker.anonymousId, userId: onsite.tracker.userId ?? undefined });
          return { messages: Array.isArray(reply.body.messages) ? (reply.body.messages as InboxMessage[]) : [], unread: typeof reply.body.unread === 'number' ? reply.body.unread : 0 };
        },
        { messages: [], unread: 0 },
      ),
    markInbox: (id, state) =>
      guarded(async () => {
        const { anonymousId, userId } = visitorIds(onsite);
        await call(endpoint, `/v1/inbox/${encodeURIComponent(id)}/${state}`, { writeKey: endpoint.writeKey, anonymousId, ...(userId === undefined ? {} : { userId }) });
      }, undefined),
  };
}
