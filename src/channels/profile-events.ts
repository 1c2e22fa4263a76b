import type { IngestService } from '../ingest/index.js';
import type { Profile, ProfileService } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import { stableId } from '../shared/ids.js';

/**
 * Appends events about a known profile (message lifecycle, consent changes) to the event log,
 * through the normal ingest path so the processor attributes them to the person and segments
 * can use them ("opened an email in the last 30 days"). The event carries the profile's own
 * identifiers; its messageId is derived from `key`, so recording twice stores one event.
 * @example await events.track('ws', profile, 'Email Opened', { message_id: 'msg_1' }, 'msg_1:opened');
 */
export class ProfileEvents {
  constructor(private readonly deps: { ingest: Pick<IngestService, 'ingest'>; profiles: Pick<ProfileService, 'getProfile'>; clock: Clock }) {}

  async track(workspaceId: string, profile: Profile | string, event: string, properties: Record<string, unknown>, key: string): Promise<boolean> {
    const resolved = typeof profile === 'string' ? await this.deps.profiles.getProfile(workspaceId, profile) : profile;
    if (resolved === undefined) return false;
    const userId = resolved.identities.find((identity) => identity.type === 'user_id')?.value;
    const anonymousId = resolved.identities.find((identity) => identity.type === 'anonymous_id')?.value;
    const email = resolved.identities.find((identity) => identity.type === 'email')?.value;
    const phone = resolved.identities.find((identity) => identity.type === 'phone')?.value;
    const traits: Record<string, string> = {};
    if (email !== undefined) traits.email = email;
    if (phone !== undefined) traits.phone = phone;
    const now = this.deps.clock.now();
    const item: Record<string, unknown> = {
      type: 'track',
      event,
      messageId: stableId('evt', workspaceId, key),
      properties,
      timestamp: new Date(now).toISOString(),
      context: { traits, library: { name: 'rapport-channels', version: '0.1.0' } },
      // A profile known only by email or phone still needs an id on the event: a stable
      // anonymous id derived from the profile links the event to it through the email.
      ...(userId !== undefined ? { userId } : {}),
      ...(anonymousId !== undefined ? { anonymousId } : userId === undefined ? { anonymousId: stableId('anon', workspaceId, resolved.id) } : {}),
    };
    const outcome = await this.deps.ingest.ingest({ workspaceId, sourceId: null, receivedAt: now }, { items: [item], pathType: 'track' });
    return outcome.accepted === 1;
  }
}
