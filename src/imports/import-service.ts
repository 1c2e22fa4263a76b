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
import { OrderGrouper } from './orders.js';
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
    const errors: RowError[] = [];
    const state = { bytesDone: 0, rowsOk: 0, rowsFailed: 0, errors, errorsChanged: false, lastWrite: clock.now() };
    const bytesTotal = request.totalBytes ?? null;
    const report = (status: ImportStatus) =>
      onProgress?.({
        jobId,
        status,
        bytesDone: state.bytesDone,
        bytesTotal,
        percent: importPercent(status, state.bytesDone, bytesTotal),
        rowsOk: state.rowsOk,
        rowsFailed: state.rowsFailed,
      });
    const fail = (line: number, reason: string, rows = 1) => {
      state.rowsFailed += rows;
      if (state.errors.length < MAX_KEPT_ROW_ERRORS) {
        state.errors.push({ line, reason });
        state.errorsChanged = true;
      }
    };
    const progressPatch = () => {
      const patch = { bytesDone: state.bytesDone, rowsOk: state.rowsOk, rowsFailed: state.rowsFailed, ...(state.errorsChanged ? { errors: state.errors } : {}) };
      state.errorsChanged = false;
      return patch;
    };

    const options: MapOptions = { defaultCountry: request.defaultCountry, externalIdColumns: request.externalIdColumns };
    const grouper = request.kind === 'orders' ? new OrderGrouper(options) : undefined;
    let batch: Pending[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const pending = batch;
      batch = [];
      await this.store(workspaceId, request.kind, pending, state, fail);
      report('running');
      if (clock.now() - state.lastWrite >= this.progressIntervalMs) {
        state.lastWrite = clock.now();
        await updateImportJob(database.db, workspaceId, jobId, progressPatch());
      }
    };

    await updateImportJob(database.db, workspaceId, jobId, { status: 'running', startedAt: clock.now() });
    report('running');
    try {
      for await (const record of readRecords(request.source, request.format, (bytes) => (state.bytesDone += bytes))) {
        if (!record.ok) {
          fail(record.line, record.reason);
          continue;
        }
        switch (request.kind) {
          case 'customers': {
            const mapped = mapCustomer(record.fields, options);
            if (mapped.ok) batch.push({ line: record.line, rows: 1, item: mapped.message });
            else fail(record.line, mapped.reason);
            break;
          }
          case 'orders': {
            for (const group of grouper?.push(record.line, record.fields) ?? []) {
              if (group.result.ok) {
                for (const item of group.before) batch.push({ line: group.line, rows: 0, item });
                batch.push({ line: group.line, rows: group.rows, item: group.result.message });
              } else fail(group.line, group.result.reason, group.rows);
            }
            break;
          }
          case 'products': {
            const mapped = mapProductRow(record.fields);
            if (mapped.ok) batch.push({ line: record.line, rows: 1, item: mapped.product });
            else fail(record.line, mapped.reason);
            break;
          }
          case 'events':
            batch.push({ line: record.line, rows: 1, item: mapEventLine(record.fields) });
            break;
        }
        if (batch.length >= this.batchSize) await flush();
      }
      for (const group of grouper?.flush() ?? []) {
        if (group.result.ok) {
          for (const item of group.before) batch.push({ line: group.line, rows: 0, item });
          batch.push({ line: group.line, rows: group.rows, item: group.result.message });
        } else fail(group.line, group.result.reason, group.rows);
      }
      await flush();
      state.errors.sort((a, b) => a.line - b.line);
      await updateImportJob(database.db, workspaceId, jobId, {
        ...progressPatch(),
        errors: state.errors,
        status: 'completed',
        finishedAt: clock.now(),
      });
      report('completed');
    } catch (error) {
      // The rows committed before the failure stay (a re-run dedupes them); the job says why it stopped.
      request.source.destroy();
      await updateImportJob(database.db, workspaceId, jobId, {
        ...progressPatch(),
        errors: state.errors,
        status: 'failed',
        error: error instanceof Error ? error.message : String(error),
        finishedAt: clock.now(),
      });
      report('failed');
    }
    // A bulk load changes table sizes by orders of magnitude: the planner needs statistics now, not
    // at autovacuum's next pass (or never, with autovacuum off). Best effort: the rows are in.
    if (state.rowsOk >= (this.deps.analyzeAfterRows ?? 10_000)) await refreshStatistics(database).catch(() => undefined);
    const job = await this.get(workspaceId, jobId);
    if (job === undefined) throw new Error(`import job ${jobId} disappeared`);
    return job;
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
