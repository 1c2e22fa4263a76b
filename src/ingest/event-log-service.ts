import type { Database } from '../storage/database.js';
import {
  countEvents,
  countEventsSince,
  countRejected,
  findEvents,
  listEventNames,
  listRejected,
  sourceActivity,
  type EventQuery,
  type LogEntry,
  type RejectedRow,
  type SourceActivity,
} from '../log/store/event-log.js';

export type { EventQuery, LogEntry, RejectedRow, SourceActivity };

/**
 * Read access to the event log for the admin API, the CLI and tests.
 * @example const [event] = await log.events('default', { messageId: 'm-1' });
 */
export class EventLogService {
  constructor(private readonly deps: { database: Database }) {}

  events(workspaceId: string, query: EventQuery = {}): Promise<LogEntry[]> {
    return findEvents(this.deps.database.db, workspaceId, query);
  }

  count(workspaceId: string): Promise<number> {
    return countEvents(this.deps.database.db, workspaceId);
  }

  /** Per source (write key id), the last event received and how many the log holds. */
  sources(workspaceId: string): Promise<SourceActivity[]> {
    return sourceActivity(this.deps.database.db, workspaceId);
  }

  rejected(workspaceId: string, limit = 100): Promise<RejectedRow[]> {
    return listRejected(this.deps.database.db, workspaceId, limit);
  }

  /** Events received since `since` (ms). */
  countSince(workspaceId: string, since: number): Promise<number> {
    return countEventsSince(this.deps.database.db, workspaceId, since);
  }

  /** Items set aside at ingest. */
  rejectedCount(workspaceId: string): Promise<number> {
    return countRejected(this.deps.database.db, workspaceId);
  }

  /** Event, page and screen names the workspace has sent, most frequent first. */
  names(workspaceId: string, limit = 200): Promise<{ type: string; event: string; count: number }[]> {
    return listEventNames(this.deps.database.db, workspaceId, limit);
  }
}
