import type { Readable } from 'node:stream';
import type { CatalogService } from '../catalog/index.js';
import type { IngestService } from '../ingest/index.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import { refreshStatistics, type Database } from '../storage/database.js';
import { findImportJob, insertImportJob, listImportJobs, updateImportJob } from './store/import-jobs.js';
import { mapCustomer, type MapOptions } from './customers.js';
import { mapEventLine } from './events.js';
import { importPercent, MAX_KEPT_ROW_ERRORS, type ImportFormat, type ImportJob, type ImportKind, type ImportStatus, type RowError } from './import-job.js';
import { OrderGrouper, type OrderGroup } from './orders.js';
import { mapProductRow } from './product-rows.js';
import { readRecords } from './readers.js';

export interface ImportRequest {
  kind: ImportKind;
  format: ImportFormat;
  /** The file's bytes; read once, as fast as the database takes the rows. */
  source: Readable;
  /** Shown in job lists, usually the file name. */
  name: string;
  /** The source's size when known (a file's stat), for the percent. */
  totalBytes?: number | undefined;
  /** Country for phone numbers without a country code (ISO 3166 alpha-2). */
  defaultCountry?: string | undefined;
  /** Extra columns holding ids of other systems (customers). */
  externalIdColumns?: string[] | undefined;
}

export interface ImportProgress {
  jobId: string;
  status: ImportStatus;
  bytesDone: number;
  bytesTotal: number | null;
  percent: number | null;
  rowsOk: number;
  rowsFailed: number;
}

export interface ImportServiceDeps {
  database: Database;
  ingest: Pick<IngestService, 'ingest'>;
  catalog: Pick<CatalogService, 'upsertProducts'>;
  clock: Clock;
  /** Rows (orders for an orders file) per ingest call; each call is one transaction. */
  batchSize?: number;
  /** The job row is written at most this often while running. */
  progressIntervalMs?: number;
  /** Rows imported past which PostgreSQL's statistics are refreshed (ANALYZE) when the job completes; default 10,000. */
  analyzeAfterRows?: number;
}

/** One unit waiting in the batch: a message or product plus where it came from. */
interface Pending {
  line: number;
  rows: number;
  item: Record<string, unknown>;
}

/**
 * Bulk imports of customers, orders, products and raw events from CSV or NDJSON, streamed
 * end to end: the file is read only as fast as batches of ~500 rows are committed, so memory
 * stays flat whatever its size. Rows go through the same ingest path as HTTP events, with
 * deterministic messageIds, so a re-run stores nothing twice. Bad rows are values
 * (`{ line, reason }`) and the good rows around them are kept.
 * @example const job = await imports.runImport('ws', { kind: 'orders', format: 'csv', source: fs.createReadStream(file), name: file });
 */
export class ImportService {
  private readonly running = new Map<string, Promise<ImportJob | undefined>>();
  private readonly batchSize: number;
  private readonly progressIntervalMs: number;

  constructor(private readonly deps: ImportServiceDeps) {
    this.batchSize = deps.batchSize ?? 500;
    this.progressIntervalMs = deps.progressIntervalMs ?? 500;
  }

  /** Queues an import that runs in the background of this process; returns the job id at once. */
  async start(workspaceId: string, request: ImportRequest): Promise<string> {
    const id = await this.createJob(workspaceId, request);
    // execute() records its own failures in the job; this catch only keeps a database outage
    // while recording them from becoming an unhandled rejection.
    const run = this.execute(workspaceId, id, request, undefined)
      .catch(() => undefined)
      .finally(() => this.running.delete(id));
    this.running.set(id, run);
    return id;
  }

  /** Runs an import to the end (the CLI); `onProgress` follows it after every batch. */
  async runImport(workspaceId: string, request: ImportRequest, options: { onProgress?: (progress: ImportProgress) => void } = {}): Promise<ImportJob> {
    const id = await this.createJob(workspaceId, request);
    return this.execute(workspaceId, id, request, options.onProgress);
  }

  /** Waits for a job started in this process; returns its current state if it is not running here. */
  async wait(workspaceId: string, id: string): Promise<ImportJob | undefined> {
    const run = this.running.get(id);
    if (run !== undefined) await run;
    return this.get(workspaceId, id);
  }

  get(workspaceId: string, id: string): Promise<ImportJob | undefined> {
    return findImportJob(this.deps.database.db, workspaceId, id);
  }

  list(workspaceId: string, limit = 100): Promise<ImportJob[]> {
    return listImportJobs(this.deps.database.db, workspaceId, limit);
  }

  private async createJob(workspaceId: string, request: ImportRequest): Promise<string> {
    if (request.kind === 'events' && request.format !== 'ndjson') {
      throw new RapportError('import.format_invalid', 'events imports take NDJSON: one Segment message per line');
    }
    const id = randomId('imp', 12);
    await insertImportJob(this.deps.database.db, workspaceId, {
      id,
      kind: request.kind,
      format: request.format,
      name: request.name,
      bytesTotal: request.totalBytes ?? null,
      createdAt: this.deps.clock.now(),
    });
    return id;
  }

  private async execute(workspaceId: string, jobId: string, request: ImportRequest, onProgress: ((progress: ImportProgress) => void) | undefined): Promise<ImportJob> {
    const { database, clock } = this.deps;
    const run = new ImportRun(jobId, request.totalBytes ?? null, clock.now(), onProgress);
    const options: MapOptions = { defaultCountry: request.defaultCountry, externalIdColumns: request.externalIdColumns };
    const grouper = request.kind === 'orders' ? new OrderGrouper(options) : undefined;
    let batch: Pending[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const pending = batch;
      batch = [];
      await this.store(workspaceId, request.kind, pending, run, (line, reason, rows) => run.fail(line, reason, rows));
      run.report('running');
      if (clock.now() - run.lastWrite >= this.progressIntervalMs) {
        run.lastWrite = clock.now();
        await updateImportJob(database.db, workspaceId, jobId, run.progressPatch());
      }
    };

    await updateImportJob(database.db, workspaceId, jobId, { status: 'running', startedAt: clock.now() });
    run.report('running');
    try {
      for await (const record of readRecords(request.source, request.format, (bytes) => (run.bytesDone += bytes))) {
        if (record.ok) batch.push(...run.map(request.kind, record.line, record.fields, options, grouper));
        else run.fail(record.line, record.reason);
        if (batch.length >= this.batchSize) await flush();
      }
      batch.push(...run.groups(grouper?.flush() ?? []));
      await flush();
      await this.finish(workspaceId, run, { status: 'completed' });
    } catch (error) {
      // The rows committed before the failure stay (a re-run dedupes them); the job says why it stopped.
      request.source.destroy();
      await this.finish(workspaceId, run, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
    // A bulk load changes table sizes by orders of magnitude: the planner needs statistics now, not
    // at autovacuum's next pass (or never, with autovacuum off). Best effort: the rows are in.
    if (run.rowsOk >= (this.deps.analyzeAfterRows ?? 10_000)) await refreshStatistics(database).catch(() => undefined);
    const job = await this.get(workspaceId, jobId);
    if (job === undefined) throw new Error(`import job ${jobId} disappeared`);
    return job;
  }

  private async finish(workspaceId: string, run: ImportRun, outcome: { status: 'completed' } | { status: 'failed'; error: string }): Promise<void> {
    run.errors.sort((a, b) => a.line - b.line);
    await updateImportJob(this.deps.database.db, workspaceId, run.jobId, { ...run.progressPatch(), errors: run.errors, ...outcome, finishedAt: this.deps.clock.now() });
    run.report(outcome.status);
  }

  /** Commits one batch: messages through ingest, products through the catalog; rejections become row errors. */
  private async store(workspaceId: string, kind: ImportKind, pending: Pending[], state: { rowsOk: number }, fail: (line: number, reason: string, rows?: number) => void): Promise<void> {
    const items = pending.map((entry) => entry.item);
    const rejected = new Map<number, string>();
    if (kind === 'products') {
      const result = await this.deps.catalog.upsertProducts(workspaceId, items);
      for (const error of result.errors) rejected.set(error.index, `${error.field.replace(/^\//, '') || 'product'}: ${error.message}`);
    } else {
      const outcome = await this.deps.ingest.ingest({ workspaceId, sourceId: null, receivedAt: this.deps.clock.now() }, { items });
      // Ingest names fields as in an HTTP batch (`batch[3].event`); in a file the line says where.
      for (const item of outcome.rejected) rejected.set(item.index, `${item.field.replace(/^batch\[\d+\]\.?/, '') || 'message'}: ${item.message}`);
    }
    pending.forEach((entry, index) => {
      const reason = rejected.get(index);
      if (reason === undefined) state.rowsOk += entry.rows;
      else fail(entry.line, reason, entry.rows);
    });
  }
}

/** One import's counters, kept row errors and progress reports while it runs. */
class ImportRun {
  bytesDone = 0;
  rowsOk = 0;
  rowsFailed = 0;
  readonly errors: RowError[] = [];
  private errorsChanged = false;

  constructor(
    readonly jobId: string,
    private readonly bytesTotal: number | null,
    public lastWrite: number,
    private readonly onProgress: ((progress: ImportProgress) => void) | undefined,
  ) {}

  report(status: ImportStatus): void {
    const { jobId, bytesDone, bytesTotal, rowsOk, rowsFailed } = this;
    this.onProgress?.({ jobId, status, bytesDone, bytesTotal, percent: importPercent(status, bytesDone, bytesTotal), rowsOk, rowsFailed });
  }

  /** Counts `rows` failed rows; keeps the first MAX_KEPT_ROW_ERRORS reasons. */
  fail(line: number, reason: string, rows = 1): void {
    this.rowsFailed += rows;
    if (this.errors.length < MAX_KEPT_ROW_ERRORS) {
      this.errors.push({ line, reason });
      this.errorsChanged = true;
    }
  }

  /** The job row's progress fields; the errors only when they changed since the last patch. */
  progressPatch(): { bytesDone: number; rowsOk: number; rowsFailed: number; errors?: RowError[] } {
    const patch = { bytesDone: this.bytesDone, rowsOk: this.rowsOk, rowsFailed: this.rowsFailed, ...(this.errorsChanged ? { errors: this.errors } : {}) };
    this.errorsChanged = false;
    return patch;
  }

  /** What one record of a file of `kind` adds to the batch (orders: the orders its line completed). */
  map(kind: ImportKind, line: number, fields: Record<string, unknown>, options: MapOptions, grouper: OrderGrouper | undefined): Pending[] {
    switch (kind) {
      case 'customers': {
        const mapped = mapCustomer(fields, options);
        if (mapped.ok) return [{ line, rows: 1, item: mapped.message }];
        this.fail(line, mapped.reason);
        return [];
      }
      case 'orders':
        return this.groups(grouper?.push(line, fields) ?? []);
      case 'products': {
        const mapped = mapProductRow(fields);
        if (mapped.ok) return [{ line, rows: 1, item: mapped.product }];
        this.fail(line, mapped.reason);
        return [];
      }
      case 'events':
        return [{ line, rows: 1, item: mapEventLine(fields) }];
    }
  }

  /** Completed orders as batch entries (with the messages that must precede each); refused ones as row errors. */
  groups(groups: OrderGroup[]): Pending[] {
    const entries: Pending[] = [];
    for (const group of groups) {
      if (group.result.ok) {
        for (const item of group.before) entries.push({ line: group.line, rows: 0, item });
        entries.push({ line: group.line, rows: group.rows, item: group.result.message });
      } else this.fail(group.line, group.result.reason, group.rows);
    }
    return entries;
  }
}
