import type { ProcessorExtensionSpec, ProcessorHost } from '../processor/index.js';
import type { Database } from '../storage/database.js';
import { SegmentEngine } from './engine.js';

// One engine per store connection: in one process the segments module (backfills, score
// changes, webhooks woken by transitions) and the inline processor share it; the processor
// thread opens its own connection and so gets its own engine.
const engines = new WeakMap<Database, SegmentEngine>();

/**
 * The segment engine of a store connection, created on first use.
 * @example const engine = segmentEngineOf({ database, clock, logger });
 */
export function segmentEngineOf(host: ProcessorHost): SegmentEngine {
  let engine = engines.get(host.database);
  if (engine === undefined) {
    engine = new SegmentEngine({ database: host.database, clock: host.clock, ...(host.logger === undefined ? {} : { logger: host.logger }) });
    engines.set(host.database, engine);
  }
  return engine;
}

/** Segment membership committed with each processor batch; the engine's timer re-checks time windows as they end. */
export const processorExtension: ProcessorExtensionSpec = {
  module: 'segments',
  create(host) {
    const engine = segmentEngineOf(host);
    return { extension: engine.extension(), start: () => engine.start(), stop: () => engine.stop() };
  },
};
