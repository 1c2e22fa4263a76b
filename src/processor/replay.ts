import type { IdentityRules } from '../identity/index.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { deleteDerivedState } from './store/processor-state.js';
import { Processor, type ProcessorLogger } from './processor.js';

export interface ReplayOptions {
  /** Called after each pass with events processed so far and the total to process. */
  onProgress?: (done: number, total: number) => void;
  batchSize?: number;
  /** Partitions processed at once (see `ProcessorOptions.concurrency`); 1 makes the interleaving repeatable. */
  concurrency?: number;
  clock?: Clock;
  identityRules?: (workspaceId: string) => IdentityRules;
  logger?: ProcessorLogger;
}

export interface ReplayResult {
  events: number;
}

/**
 * Rebuilds a workspace's derived state from its event log: deletes profiles, identities,
 * merges, timeline rows and cursors, then processes the log from the start. Profile and merge
 * ids are derived from identifiers and messages, so the rebuilt profiles carry the same ids.
 * Processed in the same interleaving of partitions, the rebuild is identical row for row; in
 * another interleaving every person ends on the same surviving profile with the same state,
 * but transient profiles merged away on the way (and their merge rows) may differ.
 *
 * A processor running elsewhere meanwhile is safe: its in-flight batch finds its cursor gone
 * and rolls back, and afterwards it shares the partitions through the same locks.
 * Events appended during the replay are processed too.
 *
 * @example await replay(database, 'default', { onProgress: (done, total) => bar.update(done / total) });
 */
export async function replay(database: Database, workspaceId: string, options: ReplayOptions = {}): Promise<ReplayResult> {
  await database.transaction((trx) => deleteDerivedState(trx, workspaceId));
  const processor = new Processor({
    database,
    workspaceId,
    ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    ...(options.clock !== undefined && { clock: options.clock }),
    ...(options.identityRules !== undefined && { identityRules: options.identityRules }),
    ...(options.logger !== undefined && { logger: options.logger }),
  });
  // Counted in events, not positions: on PostgreSQL a partition's positions have gaps (one
  // sequence numbers the whole log).
  let done = 0;
  const remaining = async (): Promise<number> => (await processor.status()).lagEvents;
  let left = await remaining();
  options.onProgress?.(done, done + left);
  while (left > 0) {
    const processed = await processor.runOnce();
    // Nothing moved: another worker holds the partitions left; give it time to commit.
    if (processed === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    done += processed;
    left = await remaining();
    options.onProgress?.(done, done + left);
  }
  return { events: done };
}
