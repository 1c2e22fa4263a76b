import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Messaging } from '../messaging.js';
import { verifyWebhook } from '../standard-webhooks.js';
import { type PreferenceAction, renderMessagePage } from '../../privacy/index.js';
import type { ProfileService } from '../../profiles/index.js';
import { RapportError } from '../../shared/errors.js';
import { requireWriteKeyScope, writeKeyOf, type WorkspaceService } from '../../workspaces/index.js';
import { ownValue, setOwn } from '../../shared/own.js';
import type { TypedApp } from '../../app/typed-app.js';

export interface PublicChannelDeps {
  messaging: Messaging;
  workspaces: WorkspaceService;
  profiles: ProfileService;
}

// A 1x1 transparent GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const FORM_LIMIT = 64 * 1024;

function parseForm(text: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = ownValue(result, key);
    setOwn(result, key, existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]);
  }
  return result;
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value: unknown = Reflect.get(body, name);
  if (typeof value === 'string') return value;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

function fields(body: unknown, name: string): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const value: unknown = Reflect.get(body, name);
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** Twilio's request signature: HMAC-SHA1 of the URL and the sorted POST parameters. */
function validTwilioSignature(authToken: string, url: string, params: Record<string, string | string[]>, signature: string | undefined): boolean {
  if (signature === undefined) return false;
  const data = Object.keys(params)
    .sort()
    .reduce((text, key) => {
      const value = params[key];
      return text + key + (Array.isArray(value) ? value.join('') : (value ?? ''));
    }, url);
  const expected = createHmac('sha1', authToken).update(data).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function cors(request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  void reply.header('Access-Control-Allow-Origin', origin ?? '*');
  if (origin !== undefined) void reply.header('Vary', 'Origin');
}

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.status(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(body);

const TokenParams = Type.Object({ '*': Type.String({ maxLength: 8000 }) });
const Visitor = {
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  writeKey: Type.Optional(Type.String()),
};
const WorkspaceParams = Type.Object({ workspaceId: Type.String({ maxLength: 200 }) });

/** The source a write key (header or body) names; it must carry the onsite scope. */
async function sourceOf(deps: PublicChannelDeps, request: FastifyRequest, body: Record<string, unknown>) {
  const key = writeKeyOf(request.headers.authorization, body);
  if (key === undefined) throw new RapportError('unauthorized', 'no write key: send Authorization: Basic base64("<writeKey>:") or writeKey');
  const source = await deps.workspaces.authenticateWriteKey(key);
  if (source === undefined) throw new RapportError('unauthorized', 'the write key is not recognized or was revoked; check the key of this source');
  requireWriteKeyScope(source, 'onsite');
  return source;
}

/** The profile of the visitor the SDK names by userId or anonymousId. */
async function visitor(deps: PublicChannelDeps, workspaceId: string, ids: { userId?: string | undefined; anonymousId?: string | undefined }) {
  const profile =
    (ids.userId === undefined ? undefined : await deps.profiles.lookupProfile(workspaceId, 'user_id', ids.userId)) ??
    (ids.anonymousId === undefined ? undefined : await deps.profiles.lookupProfile(workspaceId, 'anonymous_id', ids.anonymousId));
  if (profile === undefined) throw new RapportError('not_found', 'no profile for this userId or anonymousId yet; track or identify first, then retry');
  return profile;
}

/** The form parameters of a Twilio callback, after checking its signature. */
async function twilioParams(messaging: Messaging, request: FastifyRequest): Promise<Record<string, string | string[]>> {
  const token = messaging.secrets.twilioAuthToken;
  if (token === undefined) throw new RapportError('unavailable', 'SMS is not configured on this server');
  const raw = field(request.body, '__raw') ?? '';
  const params = parseForm(raw);
  const signature = request.headers['x-twilio-signature'];
  if (!validTwilioSignature(token, `${messaging.publicUrl}${request.url}`, params, typeof signature === 'string' ? signature : undefined)) {
    throw new RapportError('unauthorized', 'the X-Twilio-Signature does not match; check RAPPORT_PUBLIC_URL is the URL the provider calls');
  }
  return params;
}

/**
 * Public channel endpoints: open pixel and click redirect (signed links), the hosted
 * unsubscribe / preferences page with RFC 8058 one-click POST, double opt-in confirmation, web
 * push subscription and inbox for the SDK (write key), and provider callbacks (Twilio inbound
 * SMS and delivery status, email bounces and complaints), each verified by its signature.
 */
export async function publicChannelRoutes(scope: FastifyInstance, deps: PublicChannelDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  // This scope reads HTML forms and provider callbacks (form-encoded) as well as JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const type = String(request.headers['content-type'] ?? '');
    if (type.includes('application/json')) {
      try {
        done(null, text === '' ? {} : (JSON.parse(text) as unknown));
      } catch {
        done(new RapportError('invalid_json', 'the body is not valid JSON'), undefined);
      }
      return;
    }
    done(null, { ...parseForm(text), __raw: text });
  });

  linkRoutes(app, deps.messaging);
  sdkRoutes(app, deps);
  providerCallbackRoutes(app, deps.messaging);
}

/** Signed links: open pixel, click redirect, the hosted unsubscribe / preferences page and double opt-in confirmation. */
function linkRoutes(app: TypedApp, messaging: Messaging): void {
  // Tokens are longer than the router's 100-character parameter limit: wildcard routes take them.
  app.get('/v1/o/*', { schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    const payload = messaging.links.verify(request.params['*'].replace(/\.gif$/, ''));
    if (payload?.k === 'open') await messaging.channels.advance(payload.w, payload.m, 'opened');
    return reply.header('content-type', 'image/gif').header('cache-control', 'no-store, max-age=0').send(PIXEL);
  });

  app.get('/v1/c/*', { schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    const payload = messaging.links.verify(request.params['*']);
    // Only signed URLs redirect: this is never an open redirect.
    if (payload?.k !== 'click') return html(reply, 404, renderMessagePage('Link not found', 'This link is not valid.'));
    await messaging.channels.advance(payload.w, payload.m, 'clicked', { url: payload.u });
    return reply.redirect(payload.u, 302);
  });

  app.get('/v1/u/*', { schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    try {
      return html(reply, 200, await messaging.preferences.page(request.params['*'], `/v1/u/${request.params['*']}`));
    } catch (error) {
      if (error instanceof RapportError && error.code === 'not_found') return html(reply, 404, renderMessagePage('Link not valid', error.message));
      throw error;
    }
  });

  app.post('/v1/u/*', { schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    const body = request.body;
    // RFC 8058: a mail client posts `List-Unsubscribe=One-Click`; answer without a page.
    if (field(body, 'List-Unsubscribe') === 'One-Click') {
      await messaging.preferences.oneClick(request.params['*']);
      return reply.status(200).header('content-type', 'text/plain; charset=utf-8').send('unsubscribed');
    }
    const actions: PreferenceAction[] = ['unsubscribe_all', 'save_topics', 'stay', 'resubscribe'];
    const wanted = field(body, 'action');
    const action = actions.find((known) => known === wanted);
    if (action === undefined) return html(reply, 400, renderMessagePage('Unknown choice', 'Please use the buttons on the page.'));
    try {
      const outcome = await messaging.preferences.act(request.params['*'], action, fields(body, 'topic'));
      return html(reply, 200, await messaging.preferences.page(request.params['*'], `/v1/u/${request.params['*']}`, outcome));
    } catch (error) {
      if (error instanceof RapportError && error.code === 'not_found') return html(reply, 404, renderMessagePage('Link not valid', error.message));
      throw error;
    }
  });

  app.get('/v1/confirm/*', { schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    try {
      const { channel, shop } = await messaging.preferences.confirm(request.params['*']);
      return html(reply, 200, renderMessagePage('Subscription confirmed', `Thank you: your ${channel} subscription is confirmed.`, shop));
    } catch (error) {
      if (error instanceof RapportError && error.code === 'not_found') return html(reply, 404, renderMessagePage('Link not valid', error.message));
      throw error;
    }
  });
}

/** The SDK's routes (write key): web push subscription and the inbox. */
function sdkRoutes(app: TypedApp, deps: PublicChannelDeps): void {
  const { messaging } = deps;
  app.get('/v1/push/vapid-public-key', { schema: { tags: ['channels'], summary: 'The VAPID public key the SDK subscribes with', security: [] } }, async (request, reply) => {
    cors(request, reply);
    return { publicKey: messaging.vapidPublicKey() };
  });

  app.post(
    '/v1/push/subscriptions',
    {
      schema: {
        tags: ['channels'],
        summary: 'Register a browser push subscription for a visitor (write key); opts the visitor in to push',
        security: [],
        body: Type.Object({
          ...Visitor,
          subscription: Type.Object({
            endpoint: Type.String({ pattern: '^https://', maxLength: 2000 }),
            keys: Type.Object({ p256dh: Type.String({ minLength: 80, maxLength: 200 }), auth: Type.String({ minLength: 16, maxLength: 64 }) }),
          }),
        }),
      },
    },
    async (request, reply) => {
      cors(request, reply);
      const source = await sourceOf(deps, request, request.body);
      const profile = await visitor(deps, source.workspaceId, request.body);
      const { endpoint, keys } = request.body.subscription;
      await messaging.channels.registerPushSubscription(source.workspaceId, profile.id, { endpoint, p256dh: keys.p256dh, auth: keys.auth });
      await messaging.consent.record(source.workspaceId, profile.id, { channel: 'push', status: 'subscribed', source: 'push_subscription' });
      return reply.status(201).send({ ok: true });
    },
  );

  app.get(
    '/v1/inbox',
    {
      schema: {
        tags: ['channels'],
        summary: "A visitor's inbox, newest first (write key)",
        security: [],
        querystring: Type.Object({ ...Visitor, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }),
      },
    },
    async (request, reply) => {
      cors(request, reply);
      const source = await sourceOf(deps, request, request.query.writeKey === undefined ? {} : { writeKey: request.query.writeKey });
      const profile = await visitor(deps, source.workspaceId, request.query);
      const messages = await messaging.channels.inbox(source.workspaceId, profile, request.query.limit ?? 20);
      return { messages, unread: messages.filter((message) => !message.read).length };
    },
  );

  app.post(
    '/v1/inbox/:id/:state',
    {
      schema: {
        tags: ['channels'],
        summary: 'Mark an inbox message read or dismissed (write key)',
        security: [],
        params: Type.Object({ id: Type.String({ maxLength: 200 }), state: Type.Union([Type.Literal('read'), Type.Literal('dismiss')]) }),
        body: Type.Object(Visitor),
      },
    },
    async (request, reply) => {
      cors(request, reply);
      const source = await sourceOf(deps, request, request.body);
      const profile = await visitor(deps, source.workspaceId, request.body);
      const changed = await messaging.channels.markInbox(source.workspaceId, profile, request.params.id, request.params.state);
      return { ok: true, changed };
    },
  );
}

/** Provider callbacks, each verified by its signature: Twilio inbound SMS and delivery status, email bounces and complaints. */
function providerCallbackRoutes(app: TypedApp, messaging: Messaging): void {
  app.post('/v1/channels/sms/:workspaceId/inbound', { schema: { hide: true, params: WorkspaceParams } }, async (request, reply) => {
    const params = await twilioParams(messaging, request);
    const from = typeof params.From === 'string' ? params.From : '';
    const text = typeof params.Body === 'string' ? params.Body : '';
    const done = await messaging.preferences.inboundSms(request.params.workspaceId, from, text);
    // Empty TwiML: the carrier or provider sends its own STOP confirmation.
    return reply.header('content-type', 'text/xml').send(`<?xml version="1.0" encoding="UTF-8"?><Response></Response><!-- ${done} -->`);
  });

  app.post('/v1/channels/sms/:workspaceId/status', { schema: { hide: true, params: WorkspaceParams } }, async (request, reply) => {
    const params = await twilioParams(messaging, request);
    const sid = typeof params.MessageSid === 'string' ? params.MessageSid : undefined;
    const status = typeof params.MessageStatus === 'string' ? params.MessageStatus : '';
    if (sid !== undefined) {
      if (status === 'delivered') await messaging.channels.advanceByProviderId(request.params.workspaceId, sid, 'delivered');
      else if (status === 'undelivered' || status === 'failed')
        await messaging.channels.advanceByProviderId(request.params.workspaceId, sid, 'bounced', `sms_${status}:${String(params.ErrorCode ?? '')}`);
    }
    return reply.status(204).send();
  });

  app.post('/v1/channels/email/:workspaceId/events', { schema: { hide: true, params: WorkspaceParams } }, async (request, reply) => {
    const secret = messaging.secrets.emailEventsSecret;
    if (secret === undefined) throw new RapportError('unavailable', 'email events are not configured (set RAPPORT_EMAIL_EVENTS_SECRET)');
    const raw = field(request.body, '__raw') ?? JSON.stringify(request.body);
    const header = (name: string) => String(request.headers[name] ?? '');
    if (!verifyWebhook(secret, { id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature') }, raw, Date.now() / 1000)) {
      throw new RapportError('unauthorized', 'the webhook signature does not match (Standard Webhooks, HMAC-SHA256)');
    }
    const body: unknown = typeof request.body === 'object' && request.body !== null && !('__raw' in request.body) ? request.body : JSON.parse(raw);
    const type = field(body, 'type');
    const email = field(body, 'email');
    if ((type !== 'delivered' && type !== 'bounce' && type !== 'complaint') || email === undefined) {
      throw new RapportError('channels.email_event_invalid', 'send { "type": "delivered" | "bounce" | "complaint", "email": "...", "messageId"?: "...", "permanent"?: true }');
    }
    const permanent = typeof body === 'object' && body !== null ? Reflect.get(body, 'permanent') : undefined;
    await messaging.preferences.emailFeedback(request.params.workspaceId, { type, email, messageId: field(body, 'messageId'), permanent: typeof permanent === 'boolean' ? permanent : undefined });
    return reply.status(204).send();
  });
}
