import type { Profile } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { deletePushSubscription, listPushSubscriptions, upsertPushSubscription } from './store/channel-endpoints.js';

/** A browser's web push subscription: where to send and the keys to encrypt with. */
export interface PushKeys {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** The browsers a person receives web push on, as the SDK registers them and sends drop the gone ones. */
export class PushSubscriptions {
  constructor(private readonly deps: { database: Database; clock: Clock }) {}

  /** Registers a browser's push subscription for a person (the SDK calls this). */
  async register(workspaceId: string, profileId: string, subscription: PushKeys): Promise<void> {
    await this.deps.database.transaction((trx) => upsertPushSubscription(trx, workspaceId, { ...subscription, profileId, createdAt: this.deps.clock.now() }));
  }

  /** Every subscription of a person, including those of profiles merged into it. */
  async of(workspaceId: string, profile: Pick<Profile, 'id' | 'mergedFrom'>): Promise<PushKeys[]> {
    const rows = await listPushSubscriptions(this.deps.database.db, workspaceId, [profile.id, ...profile.mergedFrom]);
    return rows.map((row) => ({ endpoint: row.endpoint, p256dh: row.p256dh, auth: row.auth }));
  }

  /** Forgets a subscription the push service answered "gone" for. */
  async drop(workspaceId: string, endpoint: string): Promise<void> {
    await this.deps.database.transaction((trx) => deletePushSubscription(trx, workspaceId, endpoint));
  }
}
