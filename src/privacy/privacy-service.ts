import { extractIdentifiers, type IdentityRules } from '../identity/index.js';
import { isJsonObject, type TrackingMessage } from '../ingest/index.js';
import { parseConsent } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId, sha256Hex } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import { bumpSetting, settingChanges } from '../storage/setting-changes.js';
import type { AppendRow } from '../log/store/event-log.js';
import {
  deleteTombstones,
  findPrivacyJob,
  findSubject,
  findTombstones,
  insertPrivacyJob,
  insertTombstones,
  listPrivacyJobs,
  updatePrivacyJob,
  workspacesWithTombstones,
  type PrivacyJobRecord,
} from './store/personal-data.js';
import type { PrivacyRegistry } from './privacy-registry.js';

export interface PrivacyJob {
  id: string;
  kind: 'erase' | 'export';
  profileId: string;
  status: 'running' | 'done' | 'failed';
  requestedBy: string;
  reason: string | null;
  /** Erasure: rows removed per table (no personal data). */
  erased: Record<string, number> | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

function toJob(record: PrivacyJobRecord): PrivacyJob {
  const kind = record.kind === 'export' ? 'export' : 'erase';
  const status = record.status === 'done' || record.status === 'failed' ? record.status : 'running';
  return {
    id: record.id,
    kind,
    profileId: record.profileId,
    status,
    requestedBy: record.requestedBy,
    reason: record.reason,
    erased: kind === 'erase' && record.result !== null ? (JSON.parse(record.result) as Record<string, number>) : null,
    error: record.error,
    createdAt: new Date(record.createdAt).toISOString(),
    finishedAt: record.finishedAt === null ? null : new Date(record.finishedAt).toISOString(),
  };
}

/** Tombstones hold a hash, never the identifier itself. */
function tombstoneHash(workspaceId: string, type: string, value: string): string {
  return sha256Hex(`${workspaceId}\u0000${type}\u0000${value}`);
}

/** Whether a message is the person opting in again, which lifts a tombstone. */
function isReconsent(message: TrackingMessage): boolean {
  if (message.type === 'track') return message.event === 'Subscribed';
  if (message.type !== 'identify' || !isJsonObject(message.traits)) return false;
  const traits = message.traits;
  for (const key of ['email_consent', 'emailConsent', 'sms_consent', 'smsConsent', 'push_consent', 'pushConsent']) {
    if (parseConsent(traits[key]) === 'subscribed') return true;
  }
  const consent = traits.consent;
  return isJsonObject(consent) && Object.values(consent).some((value) => parseConsent(value) === 'subscribed');
}

/** The setting-change topic an erasure bumps (its workspace now has tombstones). */
const TOMBSTONES = 'privacy.tombstones';

/**
 * Erasure and export of everything held about a person, as jobs with an audit record. Erasure
 * walks every registered owner of personal data in one transaction and leaves tombstones
 * (hashes of the identifiers) so that events carrying them are not turned back into a
 * profile, until the person consents again.
 * @example const job = await privacy.requestErasure('ws', 'prf_1', { requestedBy: 'admin:ops', reason: 'GDPR art. 17 request #42' });
 */
export class PrivacyService {
  private readonly running = new Map<string, Promise<void>>();
  private readonly tombstoned = new Set<string>();
  /** Clock time of the last completed read of the tombstoned workspaces (-Infinity: never). */
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;
  private unwatchChanges: (() => void) | undefined;

  constructor(
    private readonly deps: {
      database: Database;
      clock: Clock;
      registry: PrivacyRegistry;
      identityRules: (workspaceId: string) => IdentityRules;
      /** How old the list of tombstoned workspaces may be when the gate consults it (erasures made by other servers); default 10 s. */
      tombstoneRefreshMs?: number;
      /** A failed refresh of that list; the gate keeps what it knew. */
      onError?: (error: unknown) => void;
    },
  ) {}

  /** Loads which workspaces have tombstones (at start; the gate reads it again once it is older than `tombstoneRefreshMs`). */
  async refresh(): Promise<void> {
    const started = this.deps.clock.now();
    // Union: a workspace this process just erased in stays gated even if the read raced it.
    for (const workspaceId of await workspacesWithTombstones(this.deps.database.db)) this.tombstoned.add(workspaceId);
    this.refreshedAt = started;
  }

  /**
   * Follows erasures made by every process (the `privacy.tombstones` setting each erasure bumps
   * in its transaction): the gate of this process closes for that workspace within a poll, about
   * 250 ms. Until `unwatch()`.
   */
  async watch(): Promise<void> {
    const watch = settingChanges(this.deps.database);
    this.unwatchChanges ??= watch.on(TOMBSTONES, (workspaceId) => this.tombstoned.add(workspaceId));
    // Resolved before the first read of the list, so no erasure falls between the two.
    await watch.ready();
  }

  unwatch(): void {
    this.unwatchChanges?.();
    this.unwatchChanges = undefined;
  }

  /**
   * The backstop behind `watch()`: the gate learns of newly tombstoned workspaces when it
   * next needs to know and its list is older than the refresh interval, so no timer polls the
   * store in every process, and a quiet process reads nothing.
   */
  private async refreshIfStale(): Promise<void> {
    if (this.deps.clock.now() - this.refreshedAt < (this.deps.tombstoneRefreshMs ?? 10_000)) return;
    this.refreshing ??= this.refresh()
      .catch((error: unknown) => this.deps.onError?.(error))
      .finally(() => {
        this.refreshing = undefined;
      });
    await this.refreshing;
  }

  async requestErasure(workspaceId: string, profileId: string, options: { requestedBy: string; reason?: string }): Promise<PrivacyJob> {
    return this.start(workspaceId, 'erase', profileId, options);
  }

  async requestExport(workspaceId: string, profileId: string, options: { requestedBy: string; reason?: string }): Promise<PrivacyJob> {
    return this.start(workspaceId, 'export', profileId, options);
  }

  /** Resolves when a job started by this process has finished. */
  async settled(jobId: string): Promise<void> {
    await this.running.get(jobId);
  }

  async job(workspaceId: string, id: string): Promise<PrivacyJob> {
    const record = await findPrivacyJob(this.deps.database.db, workspaceId, id);
    if (record === undefined) throw new RapportError('not_found', `no privacy job ${id}`);
    return toJob(record);
  }

  async jobs(workspaceId: string, limit = 50): Promise<PrivacyJob[]> {
    return (await listPrivacyJobs(this.deps.database.db, workspaceId, Math.min(limit, 500))).map(toJob);
  }

  /** The document an export job produced. */
  async exportDocument(workspaceId: string, id: string): Promise<unknown> {
    const record = await findPrivacyJob(this.deps.database.db, workspaceId, id);
    if (record === undefined || record.kind !== 'export') throw new RapportError('not_found', `no export job ${id}`);
    if (record.status !== 'done') throw new RapportError('conflict', `export ${id} is ${record.status}; fetch it when done`);
    if (record.result === null) throw new RapportError('not_found', `export ${id} was removed by a later erasure of the same person`);
    return JSON.parse(record.result) as unknown;
  }

  private async start(workspaceId: string, kind: 'erase' | 'export', profileId: string, options: { requestedBy: string; reason?: string }): Promise<PrivacyJob> {
    const record: PrivacyJobRecord = {
      id: randomId('prv', 12),
      kind,
      profileId,
      status: 'running',
      requestedBy: options.requestedBy,
      reason: options.reason ?? null,
      result: null,
      error: null,
      createdAt: this.deps.clock.now(),
      finishedAt: null,
    };
    await this.deps.database.transaction((trx) => insertPrivacyJob(trx, workspaceId, record));
    const run = (kind === 'erase' ? this.erase(workspaceId, record) : this.export(workspaceId, record)).catch(async (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      await this.deps.database.transaction((trx) => updatePrivacyJob(trx, workspaceId, record.id, { status: 'failed', error: message, finishedAt: this.deps.clock.now() }));
    });
    this.running.set(
      record.id,
      run.finally(() => this.running.delete(record.id)),
    );
    return toJob(record);
  }

  private async erase(workspaceId: string, job: PrivacyJobRecord): Promise<void> {
    const { subject, erased } = await this.deps.database.transaction(async (trx) => {
      const subject = await findSubject(trx, workspaceId, job.profileId);
      if (subject === undefined) throw new RapportError('not_found', `no profile ${job.profileId}`);
      const hashes = subject.identifiers.map((identifier) => tombstoneHash(workspaceId, identifier.type, identifier.value));
      await insertTombstones(trx, workspaceId, hashes, job.id, this.deps.clock.now());
      await bumpSetting(trx, TOMBSTONES, workspaceId, this.deps.clock.now());
      const erased: Record<string, number> = { tombstones: hashes.length };
      for (const handler of this.deps.registry.list()) if (handler.erase !== undefined) erased[handler.name] = await handler.erase(trx, subject);
      await updatePrivacyJob(trx, workspaceId, job.id, { status: 'done', result: JSON.stringify(erased), finishedAt: this.deps.clock.now() });
      return { subject, erased };
    });
    this.tombstoned.add(workspaceId);
    // Stores outside the transaction: after the commit, so nothing copies the person back from the state store.
    const outside = this.deps.registry.list().filter((handler) => handler.eraseAfterCommit !== undefined);
    if (outside.length === 0) return;
    const failures: string[] = [];
    for (const handler of outside) {
      try {
        erased[handler.name] = (erased[handler.name] ?? 0) + ((await handler.eraseAfterCommit?.(subject)) ?? 0);
      } catch (error) {
        failures.push(`${handler.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const error = failures.length === 0 ? null : `erased from the state store, but not from ${failures.join('; ')}`;
    await this.deps.database.transaction((trx) =>
      updatePrivacyJob(trx, workspaceId, job.id, { status: error === null ? 'done' : 'failed', result: JSON.stringify(erased), error, finishedAt: this.deps.clock.now() }),
    );
  }

  private async export(workspaceId: string, job: PrivacyJobRecord): Promise<void> {
    const { db } = this.deps.database;
    const subject = await findSubject(db, workspaceId, job.profileId);
    if (subject === undefined) throw new RapportError('not_found', `no profile ${job.profileId}`);
    const document: Record<string, unknown> = { profileId: job.profileId, exportedAt: new Date(this.deps.clock.now()).toISOString(), profileIds: subject.profileIds };
    for (const handler of this.deps.registry.list()) {
      if (handler.export !== undefined) document[handler.name] = await handler.export(db, subject);
    }
    await this.deps.database.transaction((trx) => updatePrivacyJob(trx, workspaceId, job.id, { status: 'done', result: JSON.stringify(document), finishedAt: this.deps.clock.now() }));
  }

  /**
   * The ingest gate: drops events whose identifiers were erased, unless the event is the person
   * opting in again (then the tombstones of its identifiers are lifted and it is kept).
   */
  readonly gate = async (workspaceId: string, rows: AppendRow[]): Promise<AppendRow[]> => {
    if (!this.tombstoned.has(workspaceId)) await this.refreshIfStale();
    if (!this.tombstoned.has(workspaceId)) return rows;
    const rules = this.deps.identityRules(workspaceId);
    const parsed = rows.map((row) => {
      const message = JSON.parse(row.payload) as TrackingMessage;
      const identifiers = extractIdentifiers(rules, message)?.identifiers ?? [];
      return { row, message, hashes: identifiers.map((identifier) => tombstoneHash(workspaceId, identifier.type, identifier.value)) };
    });
    const found = await findTombstones(this.deps.database.db, workspaceId, [...new Set(parsed.flatMap((entry) => entry.hashes))]);
    if (found.size === 0) return rows;
    const kept: AppendRow[] = [];
    const lifted: string[] = [];
    for (const entry of parsed) {
      const hit = entry.hashes.filter((hash) => found.has(hash));
      if (hit.length === 0) kept.push(entry.row);
      else if (isReconsent(entry.message)) {
        lifted.push(...hit);
        kept.push(entry.row);
      }
    }
    if (lifted.length > 0) await this.deps.database.transaction((trx) => deleteTombstones(trx, workspaceId, [...new Set(lifted)]));
    return kept;
  };
}
