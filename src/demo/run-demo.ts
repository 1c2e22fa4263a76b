import type { CatalogService } from '../catalog/index.js';
import type { IngestService, ItemRejection } from '../ingest/index.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import { generateDemoStore, type DemoMessage, type DemoOptions } from './generator.js';

/** Messages per ingest call: what a Segment client's batch holds in practice. */
export const DEMO_BATCH_SIZE = 100;
const CATALOG_BATCH_SIZE = 500;

export interface DemoProgress {
  products: number;
  events: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface RunDemoOptions extends DemoOptions {
  ingest: Pick<IngestService, 'ingest'>;
  catalog: Pick<CatalogService, 'upsertProducts'>;
  workspaceId: string;
  clock?: Clock;
  onProgress?: (progress: DemoProgress) => void;
}

export interface DemoResult extends DemoProgress {
  /** The first rejections, for a demo that should have none. */
  rejections: ItemRejection[];
  productErrors: number;
}

/**
 * Fills a workspace with a demo store through the real paths: the catalog service for products,
 * `IngestService.ingest` in batches of 100 for events (validation, normalization, dedupe). A
 * re-run with the same seed stores nothing new.
 * @example await runDemo({ ingest, catalog, workspaceId: 'default', customers: 500, seed: 1, onProgress: bar.update });
 */
export async function runDemo(options: RunDemoOptions): Promise<DemoResult> {
  const { ingest, catalog, workspaceId, onProgress } = options;
  const clock = options.clock ?? systemClock;
  const store = generateDemoStore(options);
  const result: DemoResult = { products: 0, events: 0, accepted: 0, duplicates: 0, rejected: 0, rejections: [], productErrors: 0 };
  for (let start = 0; start < store.products.length; start += CATALOG_BATCH_SIZE) {
    const outcome = await catalog.upsertProducts(workspaceId, store.products.slice(start, start + CATALOG_BATCH_SIZE));
    result.productErrors += outcome.errors.length;
    result.products += Math.min(CATALOG_BATCH_SIZE, store.products.length - start) - outcome.errors.length;
  }
  onProgress?.(progressOf(result));
  let batch: DemoMessage[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    const outcome = await ingest.ingest({ workspaceId, sourceId: null, receivedAt: clock.now() }, { items });
    result.events += items.length;
    result.accepted += outcome.accepted - outcome.duplicates;
    result.duplicates += outcome.duplicates;
    result.rejected += outcome.rejected.length;
    for (const rejection of outcome.rejected) if (result.rejections.length < 20) result.rejections.push(rejection);
    onProgress?.(progressOf(result));
  };
  for await (const message of store.messages()) {
    batch.push(message);
    if (batch.length >= DEMO_BATCH_SIZE) await flush();
  }
  await flush();
  return result;
}

function progressOf(result: DemoResult): DemoProgress {
  return { products: result.products, events: result.events, accepted: result.accepted, duplicates: result.duplicates, rejected: result.rejected };
}

/**
 * `events` demo messages cut into batches, generated up front for a benchmark that must not
 * time generation. Deterministic from the seed; more customers are simulated until there are
 * enough events (about 90 per customer over 90 days).
 * @example const batches = demoEventBatches({ events: 100_000, seed: 1 });
 */
export function demoEventBatches(options: { events: number; seed?: number; batchSize?: number; days?: number }): DemoMessage[][] {
  const batchSize = options.batchSize ?? DEMO_BATCH_SIZE;
  const batches: DemoMessage[][] = [];
  let batch: DemoMessage[] = [];
  let produced = 0;
  // Each round is a separate store (its own seed, so its own ids); one round is almost always enough.
  for (let round = 0; produced < options.events; round++) {
    const seed = (options.seed ?? 1) + round * 7919;
    // A fixed window keeps the batches identical from run to run.
    const store = generateDemoStore({ customers: Math.max(20, Math.ceil((options.events - produced) / 60)), seed, days: options.days ?? 90, start: '2024-01-01T00:00:00Z' });
    for (const message of store.messagesSync()) {
      batch.push(message);
      produced += 1;
      if (batch.length === batchSize) {
        batches.push(batch);
        batch = [];
      }
      if (produced >= options.events) break;
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
