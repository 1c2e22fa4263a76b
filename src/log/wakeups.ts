import type { Database } from '../storage/database.js';

/** The channel appends are announced on (PostgreSQL NOTIFY). */
const LOG_CHANNEL = 'rapport_log';

/**
 * Cross-process wake-ups for the log's followers. Followers in the process that appended are
 * woken directly by ingest; on PostgreSQL the workers of other processes hear of an append
 * through NOTIFY, sent after the commit, at most one per workspace per `windowMs` (a
 * notification costs a commit-time lock in PostgreSQL, so a burst of appends sends one). Their
 * poll interval stays as the bounded fallback when a notification is lost.
 *
 * @example
 * const wakeups = new AppendWakeups(database);
 * ingest.onAppend((workspaceId) => wakeups.appended(workspaceId));
 * const stop = await wakeups.listen((workspaceId) => processor.wake());
 */
export class AppendWakeups {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly options: { windowMs?: number; onError?(error: unknown): void } = {},
  ) {}

  /** An append committed in this workspace. */
  appended(workspaceId: string): void {
    if (this.database.dialect !== 'postgres') return;
    this.pending.add(workspaceId);
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const workspaces = [...this.pending];
      this.pending.clear();
      this.sending = this.database.notify(LOG_CHANNEL, workspaces).catch((error: unknown) => this.options.onError?.(error));
    }, this.options.windowMs ?? 10);
    this.timer.unref();
  }

  /** Calls `wake` with the workspace of each append announced by any process ('' after a reconnect: any workspace). */
  listen(wake: (workspaceId: string) => void): Promise<() => Promise<void>> {
    return this.database.listen(LOG_CHANNEL, wake);
  }

  /** Sends what is pending now (before the process stops). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      const workspaces = [...this.pending];
      this.pending.clear();
      this.sending = this.database.notify(LOG_CHANNEL, workspaces).catch((error: unknown) => this.options.onError?.(error));
    }
    await this.sending;
  }
}
