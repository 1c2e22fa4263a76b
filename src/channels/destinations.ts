import type { Profile } from '../profiles/index.js';
import { maskCredentials } from './outbound/url.js';
import type { PushKeys, PushSubscriptions } from './push-subscriptions.js';
import type { SendRequest } from './sender.js';
import type { WebhookDestinations } from './webhook-destinations.js';

/** Where one send goes: the address, and for push every subscription. */
export interface Destination {
  address: string;
  push?: PushKeys[];
  /** Webhook: the URL in the clear (the address logged is masked) and the signing secret. */
  webhook?: { url: string; secret: string };
}

export function stringTrait(profile: Profile, name: string): string | undefined {
  const value = profile.traits[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The address a send goes to on its channel, or undefined when the person has none there. */
export async function destinationOf(deps: { push: PushSubscriptions; webhooks: WebhookDestinations }, request: SendRequest, profile: Profile): Promise<Destination | undefined> {
  switch (request.channel) {
    case 'email': {
      const email = stringTrait(profile, 'email') ?? profile.identities.find((identity) => identity.type === 'email')?.value;
      return email === undefined || !email.includes('@') ? undefined : { address: email.toLowerCase() };
    }
    case 'sms': {
      const phone = stringTrait(profile, 'phone') ?? profile.identities.find((identity) => identity.type === 'phone')?.value;
      return phone === undefined || !/^\+[1-9]\d{6,14}$/.test(phone) ? undefined : { address: phone };
    }
    case 'push': {
      const subscriptions = await deps.push.of(request.workspaceId, profile);
      const first = subscriptions[0];
      return first === undefined ? undefined : { address: first.endpoint, push: subscriptions };
    }
    case 'webhook': {
      const wanted = request.data?.destinationId;
      const destination = await deps.webhooks.resolve(request.workspaceId, typeof wanted === 'string' ? wanted : undefined);
      // The message log keeps the URL with its credentials masked; only the request carries them.
      return destination === undefined ? undefined : { address: maskCredentials(destination.url), webhook: { url: destination.url, secret: destination.secret } };
    }
    case 'inbox':
      return { address: profile.id };
  }
}
