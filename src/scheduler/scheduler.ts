import { systemClock, type Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import type { Database, Tx } from '../storage/database.js';
import * as repo from './store/jobs.js';

/** A job as a handler sees it. */
export interface Job<P = unknown> {
  workspaceId: string;
  key: string;
  kind: string;
  payload: P;
  dueAt: number;
  /** 1 on the first run, counting every claim (a crash mid-run counts too). */
  attempt: number;
  priority: number;
}

/** What a handler may ask for when it succeeds: nothing (the job is done), or to run again later. */
export type JobResult = void | { rescheduleAt: number; payload?: unknown };

/**
 * Handles one job. Handlers run at least once per job: a crash after the work and before the
 * job is marked done runs it again, so they must be idempotent (journey steps are, through
 * their step log and the sender's idempotency key).
 */
export type JobHandler<P = unknown> = (job: Job<P>) => Promise<JobResult>;

/** Handles many jobs of one kind at once (one transaction for all of them, where it can). */
export type BatchJobHandler<P = unknown> = (jobs: Job<P>[]) => Promise<BatchOutcome[]>;

/** One job's outcome in a batch, in the order the jobs were given. */
export type BatchOutcome = { ok: true; rescheduleAt?: number; payload?: unknown } | { ok: false; error: unknown };

export interface HandlerOptions {
  /** Attempts before the job is dead-lettered; default 8. */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt (with ±20% jitter); default 1 s. */
  backoffMs?: number;
  /** Longest retry delay; default 1 h. */
  maxBackoffMs?: number;
}

/** A job to store. */
export interface JobSpec {
  workspaceId: string;
  kind: string;
  /** The job's identity: a second enqueue with the same key is ignored, an upsert replaces it. */
  key?: string;
  payload?: unknown;
  /** Default: now. */
  dueAt?: number;
  /** Among jobs claimed together, higher runs first; default 0. */
  priority?: number;
  maxAttempts?: number;
}

export interface SchedulerOptions {
  database: Database;
  clock?: Clock;
  /** This worker's name in leases; default random. */
  workerId?: string;
  /** Jobs claimed per transaction; default 500. */
  batchSize?: number;
  /** How long a claimed job is reserved for this worker; default 60 s. */
  leaseMs?: number;
  /**
   * Longest sleep when no job is due. Jobs enqueued through this scheduler wake it at once (the
   * timer is re-armed to the earlier due time); jobs other processes enqueue (PostgreSQL
   * workers, the CLI) are seen after at most this long; default 1 s (one indexed query).
   */
  maxSleepMs?: number;
  /** Called with each job's lateness (run start minus due time), for metrics. */
  onFired?: (job: Job, latenessMs: number) => void;
  /** Called after each batch of one kind with its size and the time its handler took, for metrics. */
  onBatch?: (kind: string, jobs: number, ms: number) => void;
  logger?: { error(details: object, message: string): void };
}

interface Registration {
  handle: BatchJobHandler;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

const defaultMaxAttempts = 8;

/** Workers running in this process (SQLite: every other lease is a dead process's). */
const liveWorkers = new Set<string>();

/**
 * Durable jobs and timers. A job has a kind, a key, a payload and a due time; handlers are
 * registered per kind. The worker loop sleeps until the earliest due job (a timer armed to it,
 * not a poll), leases due jobs, runs their handlers and then deletes, reschedules or retries
 * them with exponential backoff; a job out of attempts is kept as dead with its reason.
 *
 * SQLite: one process, one worker. PostgreSQL: any number of workers in any number of
 * processes; claims use `FOR UPDATE SKIP LOCKED` and a crashed worker's leases expire.
 *
 * @example
 * const scheduler = new Scheduler({ database });
 * scheduler.register('report.send', async (job) => { await sendReport(job.payload); });
 * await scheduler.enqueue({ workspaceId: 'default', kind: 'report.send', key: 'weekly', dueAt: monday });
 * scheduler.start();
 */
export class Scheduler {
  readonly workerId: string;
  private readonly database: Database;
  private readonly clock: Clock;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly maxSleepMs: number;
  private readonly handlers = new Map<string, Registration>();
  private running = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;
  private armedFor: number | undefined;
  private dirty = false;

  constructor(private readonly options: SchedulerOptions) {
    this.database = options.database;
    this.clock = options.clock ?? systemClock;
    this.workerId = options.workerId ?? randomId('wrk', 8);
    this.batchSize = options.batchSize ?? 500;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxSleepMs = options.maxSleepMs ?? 1000;
  }

  /** Registers the handler of one kind of job. */
  register<P>(kind: string, handler: JobHandler<P>, options: HandlerOptions = {}): void {
    this.registerBatch<P>(
      kind,
      async (jobs) => {
        const outcomes: BatchOutcome[] = [];
        for (const job of jobs) {
          try {
            const result = await handler(job);
            outcomes.push(result === undefined ? { ok: true } : { ok: true, rescheduleAt: result.rescheduleAt, payload: result.payload });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
        return outcomes;
      },
      options,
    );
  }

  /** Registers a handler that takes every claimed job of its kind at once (for throughput). */
  registerBatch<P>(kind: string, handler: BatchJobHandler<P>, options: HandlerOptions = {}): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for job kind "${kind}" is already registered`);
    this.handlers.set(kind, {
      // The payload is JSON written by the same module that registered the handler.
      handle: (jobs) => handler(jobs as Job<P>[]),
      maxAttempts: options.maxAttempts ?? defaultMaxAttempts,
      backoffMs: options.backoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 3_600_000,
    });
  }

  /** Stores jobs whose keys are new (dedupe); returns how many were stored. Pass `trx` to commit with other writes. */
  async enqueue(specs: JobSpec | JobSpec[], trx?: Tx): Promise<number> {
    const jobs = this.toNewJobs(specs);
    const inserted = await repo.insertJobs(trx ?? this.database.db, jobs, this.clock.now());
    this.noteDue(jobs);
    return inserted;
  }

  /** Stores jobs, replacing any with the same key (moves a timer, revives a dead job). */
  async schedule(specs: JobSpec | JobSpec[], trx?: Tx): Promise<void> {
    const jobs = this.toNewJobs(specs);
    await repo.upsertJobs(trx ?? this.database.db, jobs, this.clock.now());
    this.noteDue(jobs);
  }

  /** Removes a job; returns whether it existed. */
  async cancel(workspaceId: string, key: string, trx?: Tx): Promise<boolean> {
    return repo.deleteJob(trx ?? this.database.db, workspaceId, key);
  }

  /** Removes every job whose key starts with `prefix`. */
  async cancelPrefix(workspaceId: string, prefix: string, trx?: Tx): Promise<number> {
    return repo.deleteJobsByPrefix(trx ?? this.database.db, workspaceId, prefix);
  }

  async get(workspaceId: string, key: string): Promise<repo.JobRow | undefined> {
    return repo.findJob(this.database.db, workspaceId, key);
  }

  /** Dead-lettered jobs of a workspace, with their reasons. */
  async deadLetters(workspaceId: string, limit = 100): Promise<repo.JobRow[]> {
    return repo.listJobs(this.database.db, workspaceId, { status: 'dead', limit });
  }

  /** Gives a dead job a fresh set of attempts, due now. */
  async retryDead(workspaceId: string, key: string): Promise<void> {
    const job = await repo.findJob(this.database.db, workspaceId, key);
    if (job === undefined || job.status !== 'dead') throw new RapportError('not_found', `no dead job "${key}" in workspace "${workspaceId}"`);
    await this.schedule({ workspaceId, kind: job.kind, key, payload: JSON.parse(job.payload), priority: job.priority, maxAttempts: job.maxAttempts });
  }

  async counts(workspaceId?: string): Promise<{ pending: number; dead: number }> {
    return repo.countJobs(this.database.db, workspaceId);
  }

  /** The queue as /metrics shows it: pending and dead jobs, how many are due now, and how long the oldest due one has waited. */
  async queueStats(): Promise<{ pending: number; dead: number; due: number; oldestDueAgeMs: number }> {
    const now = this.clock.now();
    const [counts, due] = await Promise.all([repo.countJobs(this.database.db), repo.dueJobs(this.database.db, now)]);
    return { ...counts, due: due.due, oldestDueAgeMs: due.oldestDueAt === undefined ? 0 : Math.max(0, now - due.oldestDueAt) };
  }

  /**
   * Runs every job due now (by the injected clock), batch after batch, until none is due;
   * returns how many ran. Tests with a manual clock call this instead of `start()`.
   */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const ran = await this.runBatch();
      total += ran;
      if (ran < this.batchSize) return total;
    }
  }

  /** Starts the worker loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    liveWorkers.add(this.workerId);
    this.loop = this.run();
  }

  /** Stops the loop after the batch in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.interrupt();
    await this.loop;
    this.loop = undefined;
    liveWorkers.delete(this.workerId);
  }

  /** Says jobs may be due earlier than the loop thinks (another writer enqueued). */
  wake(): void {
    this.dirty = true;
    this.interrupt();
  }

  private toNewJobs(specs: JobSpec | JobSpec[]): repo.NewJob[] {
    const now = this.clock.now();
    return (Array.isArray(specs) ? specs : [specs]).map((spec) => {
      const dueAt = spec.dueAt ?? now;
      if (!Number.isFinite(dueAt)) throw new RapportError('invalid_request', `job "${spec.key ?? spec.kind}" has a due time that is not a number`);
      const payload = JSON.stringify(spec.payload ?? null);
      return {
        workspaceId: spec.workspaceId,
        key: spec.key ?? randomId(spec.kind),
        kind: spec.kind,
        payload,
        dueAt: Math.round(dueAt),
        priority: spec.priority ?? 0,
        maxAttempts: spec.maxAttempts ?? this.handlers.get(spec.kind)?.maxAttempts ?? defaultMaxAttempts,
      };
    });
  }

  /** A job due before the armed timer re-arms it. */
  private noteDue(jobs: readonly repo.NewJob[]): void {
    if (!this.running || jobs.length === 0) return;
    const earliest = Math.min(...jobs.map((job) => job.dueAt));
    if (this.armedFor === undefined || earliest < this.armedFor) this.wake();
  }

  private interrupt(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private async run(): Promise<void> {
    if (this.database.dialect === 'sqlite') {
      // One process owns a SQLite file: leases held by workers that are not alive in this
      // process belong to a process that died, and their jobs are free now, not when the lease ends.
      try {
        await repo.releaseLeasesExcept(this.database.db, [...liveWorkers]);
      } catch (error) {
        this.options.logger?.error({ err: error }, 'scheduler could not release stale leases');
      }
    }
    while (this.running) {
      this.dirty = false;
      let failed = false;
      try {
        const ran = await this.runBatch();
        if (ran >= this.batchSize) continue;
      } catch (error) {
        failed = true;
        this.options.logger?.error({ err: error }, 'scheduler pass failed; retrying');
      }
      if (!this.running) break;
      if (this.dirty && !failed) continue;
      let next: number | undefined;
      try {
        next = await repo.nextDueAt(this.database.db, [...this.handlers.keys()]);
      } catch (error) {
        this.options.logger?.error({ err: error }, 'scheduler could not read the next due time');
      }
      if (this.dirty && !failed) continue;
      const now = this.clock.now();
      const wait = failed ? 1000 : next === undefined ? this.maxSleepMs : Math.min(this.maxSleepMs, Math.max(0, next - now));
      if (wait === 0) continue;
      await this.sleep(wait, now + wait);
    }
  }

  private async sleep(ms: number, until: number): Promise<void> {
    this.armedFor = until;
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wakeUp = undefined;
        resolve();
      }, ms);
    });
    this.armedFor = undefined;
  }

  /** Claims one batch of due jobs, runs them by kind, and records each outcome. */
  private async runBatch(): Promise<number> {
    const kinds = [...this.handlers.keys()];
    const now = this.clock.now();
    const claimed = await this.database.transaction((trx) => repo.claimDueJobs(trx, { now, owner: this.workerId, leaseUntil: now + this.leaseMs, limit: this.batchSize, kinds }));
    if (claimed.length === 0) return 0;
    // Leases are renewed while the batch runs (every third of a lease), so a handler slower than
    // a lease keeps its jobs; a worker that dies stops renewing and its jobs are free a lease later.
    const renewal = setInterval(
      () => {
        void repo
          .renewLeases(this.database.db, this.workerId, this.clock.now() + this.leaseMs)
          .catch((error: unknown) => this.options.logger?.error({ err: error }, 'scheduler could not renew its leases'));
      },
      Math.max(1000, this.leaseMs / 3),
    );
    renewal.unref();
    try {
      await this.runClaimed(claimed);
    } finally {
      clearInterval(renewal);
    }
    return claimed.length;
  }

  private async runClaimed(claimed: repo.JobRow[]): Promise<void> {
    const byKind = new Map<string, repo.JobRow[]>();
    for (const row of claimed) {
      const list = byKind.get(row.kind);
      if (list) list.push(row);
      else byKind.set(row.kind, [row]);
    }
    const kindsInOrder = [...byKind.entries()].sort((a, b) => (b[1][0]?.priority ?? 0) - (a[1][0]?.priority ?? 0));
    for (const [kind, all] of kindsInOrder) {
      const registration = this.handlers.get(kind);
      if (registration === undefined) continue;
      // A job claimed more often than allowed kept crashing (or stalling) its worker: stop here.
      const exhausted = all.filter((row) => row.attempts > row.maxAttempts);
      if (exhausted.length > 0) {
        await this.database.transaction(async (trx) => {
          for (const row of exhausted) {
            const reason = `gave up after ${row.maxAttempts} attempts: its worker stopped or its lease ran out every time (last error: ${row.lastError ?? 'none'})`;
            await repo.failJob(trx, row, this.workerId, { error: row.lastError ?? 'lease expired', retryAt: undefined, deadReason: reason, now: this.clock.now() });
          }
        });
      }
      const rows = all.filter((row) => row.attempts <= row.maxAttempts);
      if (rows.length === 0) continue;
      const jobs = rows.map((row): Job => ({ workspaceId: row.workspaceId, key: row.key, kind, payload: parsePayload(row.payload), dueAt: row.dueAt, attempt: row.attempts, priority: row.priority }));
      const started = this.clock.now();
      if (this.options.onFired !== undefined) for (const job of jobs) this.options.onFired(job, started - job.dueAt);
      let outcomes: BatchOutcome[];
      const began = performance.now();
      try {
        outcomes = await registration.handle(jobs);
      } catch (error) {
        outcomes = jobs.map(() => ({ ok: false, error }));
      }
      await this.record(rows, outcomes, registration);
      this.options.onBatch?.(kind, jobs.length, performance.now() - began);
    }
  }

  private async record(rows: repo.JobRow[], outcomes: BatchOutcome[], registration: Registration): Promise<void> {
    const now = this.clock.now();
    await this.database.transaction(async (trx) => {
      const done: repo.JobRow[] = [];
      const again: { workspaceId: string; key: string; version: number; dueAt: number; payload: string | undefined }[] = [];
      for (let index = 0; index < rows.length; index++) {
        const row = rows[index];
        if (row === undefined) continue;
        const outcome: BatchOutcome = outcomes[index] ?? { ok: false, error: new Error('the handler returned no outcome for this job') };
        if (outcome.ok) {
          if (outcome.rescheduleAt === undefined) done.push(row);
          else
            again.push({
              workspaceId: row.workspaceId,
              key: row.key,
              version: row.version,
              dueAt: Math.round(outcome.rescheduleAt),
              payload: outcome.payload === undefined ? undefined : JSON.stringify(outcome.payload),
            });
          continue;
        }
        const error = describe(outcome.error);
        if (row.attempts >= row.maxAttempts) {
          await repo.failJob(trx, row, this.workerId, { error, retryAt: undefined, deadReason: `gave up after ${row.attempts} attempts: ${error}`, now });
        } else {
          await repo.failJob(trx, row, this.workerId, { error, retryAt: now + backoff(row.attempts, registration), deadReason: undefined, now });
        }
      }
      await repo.finishJobs(trx, this.workerId, done, again, now);
    });
    if (outcomes.some((outcome) => outcome.ok && outcome.rescheduleAt !== undefined) || outcomes.some((outcome) => !outcome.ok)) this.dirty = true;
  }
}

/**
 * Exponential backoff with ±20% jitter, so a burst of failures does not retry in lockstep.
 * @example backoff(3, { backoffMs: 1000, maxBackoffMs: 3_600_000 }) // about 4000
 */
export function backoff(attempt: number, options: { backoffMs: number; maxBackoffMs: number }, random: () => number = Math.random): number {
  const base = Math.min(options.maxBackoffMs, options.backoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
