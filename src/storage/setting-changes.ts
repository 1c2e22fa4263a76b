import type { Database, Tx } from './database.js';

/*
 * "Settings changed" across processes: a module that changes a setting other processes cache
 * (recommendation rules, identity rules, write keys, the erased-person list, model snapshots)
 * bumps a counter in the same transaction as the change; each process checks one row (`'*'`,
 * which every bump also moves) every `pollMs` and, when it moved, reads the per-topic rows and
 * calls the listeners of the topics and workspaces that changed. One mechanism for every cache:
 * a cache stays valid until its topic moves instead of expiring on a timer.
 */

const ALL = '*';

/** How often a process checks for changes: one primary-key read of one row. */
const DEFAULT_POLL_MS = 250;
const MAX_BACKOFF_MS = 30_000;

/**
 * Marks `topic` changed for `workspaceId`, inside the caller's transaction (so another process
 * that sees the bump also sees the change).
 * @example await database.transaction(async (trx) => { await writeRules(trx, ...); await bumpSetting(trx, 'recommendations.rules', ws, now); });
 */
export async function bumpSetting(db: Tx, topic: string, workspaceId: string, now: number): Promise<void> {
  for (const [t, ws] of [
    [topic, workspaceId],
    [ALL, ''],
  ] as const) {
    await db
      .insertInto('setting_changes')
      .values({ topic: t, workspace_id: ws, version: 1, changed_at: now })
      .onConflict((oc) => oc.columns(['topic', 'workspace_id']).doUpdateSet((eb) => ({ version: eb('setting_changes.version', '+', 1), changed_at: now })))
      .execute();
  }
}

type Listener = (workspaceId: string) => void;

/**
 * Watches the change counters of one store for this process. Listeners are called with the
 * workspace whose topic moved (by this process or any other); they drop their cached copy. The
 * timer runs while there are listeners and does not hold the process open.
 * @example const off = settingChanges(database).on('identity.rules', (ws) => cache.delete(ws));
 */
export class SettingWatch {
  readonly #database: Database;
  readonly #pollMs: number;
  readonly #listeners = new Map<string, Set<Listener>>();
  #all: number | undefined;
  #seen = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #failures = 0;
  #baseline: Promise<void> | undefined;

  constructor(database: Database, pollMs = DEFAULT_POLL_MS) {
    this.#database = database;
    this.#pollMs = pollMs;
  }

  /** Calls `listener` when `topic` changes in a workspace; returns the function that stops it. */
  on(topic: string, listener: Listener): () => void {
    let set = this.#listeners.get(topic);
    if (set === undefined) this.#listeners.set(topic, (set = new Set()));
    set.add(listener);
    this.#arm();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(topic);
      if (this.#listeners.size === 0 && this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /**
   * Resolves once the versions every later change is compared with have been read: a cache
   * that awaits this before it reads its settings cannot miss a change committed after that read.
   */
  ready(): Promise<void> {
    this.#baseline ??= this.check().catch(() => undefined);
    return this.#baseline;
  }

  /**
   * Checks once now (a test, or a caller that must see other processes' changes before it
   * answers); resolves when the listeners of what moved have been called.
   */
  check(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async #poll(): Promise<void> {
    const { db } = this.#database;
    const head = await db.selectFrom('setting_changes').select('version').where('topic', '=', ALL).where('workspace_id', '=', '').executeTakeFirst();
    const all = head === undefined ? 0 : Number(head.version);
    if (all === this.#all) return;
    const first = this.#all === undefined;
    const rows = await db.selectFrom('setting_changes').select(['topic', 'workspace_id', 'version']).where('topic', '<>', ALL).execute();
    const seen = new Map<string, number>();
    const moved: { topic: string; workspaceId: string }[] = [];
    for (const row of rows) {
      const key = `${row.topic}\u0000${row.workspace_id}`;
      const version = Number(row.version);
      seen.set(key, version);
      if (!first && this.#seen.get(key) !== version) moved.push({ topic: row.topic, workspaceId: row.workspace_id });
    }
    this.#seen = seen;
    this.#all = all;
    for (const { topic, workspaceId } of moved) for (const listener of this.#listeners.get(topic) ?? []) listener(workspaceId);
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#listeners.size === 0) return;
    this.#timer = setTimeout(
      () => {
        void this.check()
          .then(
            () => (this.#failures = 0),
            // A store that does not answer (restarting, or closed under a forgotten listener) is asked less and less often, up to every 30 s.
            () => (this.#failures += 1),
          )
          .finally(() => {
            this.#timer = undefined;
            this.#arm();
          });
      },
      Math.min(MAX_BACKOFF_MS, this.#pollMs * 2 ** this.#failures),
    );
    this.#timer.unref();
  }
}

/** One watch per open store in this process (modules share it, so a process checks once per interval). */
const watches = new WeakMap<Database, SettingWatch>();

/**
 * The watch of `database` for this process.
 * @example settingChanges(database).on('recommendations.rules', (ws) => rulesCache.delete(ws));
 */
export function settingChanges(database: Database): SettingWatch {
  let watch = watches.get(database);
  if (watch === undefined) {
    watch = new SettingWatch(database);
    watches.set(database, watch);
    // The baseline is read at once, so a change made right after this call is seen as a change.
    void watch.ready();
  }
  return watch;
}
