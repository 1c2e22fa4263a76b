import type { Clock } from '../shared/clock.js';
import type { Database, Tx } from '../storage/database.js';
import * as repo from './store/repository.js';

/** What a journey's `onsite` step asks for: a campaign shown on the person's next visit. */
export interface QueueRequest {
  workspaceId: string;
  profileId: string;
  campaignId: string;
  journeyId: string;
  /** The step's idempotency key: a re-run queues once. */
  key: string;
  expiresAfterDays: number;
}

/**
 * Messages journeys queue for a person's next visit; the visitor endpoint lists them in
 * `VisitorFacts.queued` and the SDK shows the campaign (a banner or message) when it loads.
 * @example await queue.enqueue({ workspaceId, profileId, campaignId, journeyId, key, expiresAfterDays: 7 });
 */
export class OnsiteQueue {
  constructor(private readonly deps: { database: Database; clock: Clock }) {}

  async enqueue(request: QueueRequest, trx?: Tx): Promise<void> {
    const now = this.deps.clock.now();
    await repo.insertQueued(trx ?? this.deps.database.db, request.workspaceId, {
      key: request.key,
      profileId: request.profileId,
      campaignId: request.campaignId,
      journeyId: request.journeyId,
      createdAt: now,
      expiresAt: now + request.expiresAfterDays * 86_400_000,
    });
  }
}
