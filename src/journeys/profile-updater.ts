import type { IngestService, JsonObject } from '../ingest/index.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { listIdentities } from '../identity/index.js';
import type { ProfileUpdater } from './engine.js';

/**
 * Updates traits the way every other change reaches a profile: an identify event in the log,
 * with the step's idempotency key as its messageId, so a re-run stores it once.
 * @example await new IngestProfileUpdater({ database, ingest, clock }).updateTraits('default', profileId, { vip: true }, key);
 */
export class IngestProfileUpdater implements ProfileUpdater {
  constructor(private readonly deps: { database: Database; ingest: Pick<IngestService, 'ingest'>; clock: Clock }) {}

  async updateTraits(workspaceId: string, profileId: string, traits: JsonObject, messageId: string): Promise<void> {
    const identities = await listIdentities(this.deps.database.db, workspaceId, profileId);
    const userId = identities.find((identity) => identity.type === 'user_id')?.value;
    const anonymousId = identities.find((identity) => identity.type === 'anonymous_id')?.value;
    if (userId === undefined && anonymousId === undefined) throw new Error(`profile ${profileId} has no user or anonymous id to address an identify to`);
    const outcome = await this.deps.ingest.ingest(
      { workspaceId, sourceId: null, receivedAt: this.deps.clock.now() },
      { items: [{ type: 'identify', messageId, ...(userId === undefined ? { anonymousId } : { userId }), traits }], pathType: 'identify' },
    );
    const rejected = outcome.rejected[0];
    if (rejected !== undefined) throw new Error(`trait update rejected: ${rejected.field}: ${rejected.message}`);
  }
}
