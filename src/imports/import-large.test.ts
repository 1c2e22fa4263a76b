import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, tempDir, type TestStore } from '../../test/helpers/databases.js';
import { CatalogService } from '../catalog/catalog-service.js';
import { IngestService } from '../ingest/ingest-service.js';
import { systemClock } from '../shared/clock.js';
import { countEvents } from '../log/store/event-log.js';
import { ImportService } from './import-service.js';

// Streaming is a property of the import code, not of the dialect: one dialect keeps this fast.
const ROWS = 200_000;
const ws = 'ws_large';

// A full collection before each heap sample, so the samples measure live data, not garbage
// the collector has not reached yet.
v8.setFlagsFromString('--expose-gc');
const collect: unknown = vm.runInNewContext('gc');
function gc(): void {
  if (typeof collect === 'function') collect();
}

describe('ImportService with a large file', () => {
  let store: TestStore;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    store = await createTestStore('sqlite');
    dir = tempDir('rapport-import-large-');
    file = path.join(dir, 'orders.csv');
    // Written in pieces: the test itself must not hold the file either.
    const out = fs.openSync(file, 'w');
    fs.writeSync(out, 'order_id,customer_id,created_at,total,currency,note\n');
    const note = 'x'.repeat(120);
    let chunk = '';
    for (let i = 1; i <= ROWS; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      // Every 10,000th row is broken, to check line numbers deep in the file.
      const total = i % 10_000 === 0 ? 'n/a' : (i % 500) + 0.99;
      chunk += `L${i},c${i % 5000},2024-02-${day}T10:00:00Z,${total},EUR,${note}\n`;
      if (chunk.length > 1 << 20) {
        fs.writeSync(out, chunk);
        chunk = '';
      }
    }
    fs.writeSync(out, chunk);
    fs.closeSync(out);
  });
  afterAll(async () => {
    await store.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('streams 200k rows with bounded memory and exact line numbers', async () => {
    const size = fs.statSync(file).size;
    const ingest = new IngestService({ database: store.database, partitions: 8, clock: systemClock });
    const catalog = new CatalogService({ database: store.database, events: ingest, clock: systemClock });
    const imports = new ImportService({ database: store.database, ingest, catalog, clock: systemClock });

    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let calls = 0;
    const job = await imports.runImport(
      ws,
      { kind: 'orders', format: 'csv', name: 'orders.csv', source: fs.createReadStream(file), totalBytes: size },
      {
        onProgress: () => {
          calls += 1;
          if (calls % 40 !== 0) return;
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
        },
      },
    );

    expect(job).toMatchObject({ status: 'completed', rowsOk: ROWS - 20, rowsFailed: 20, bytesDone: size, percent: 100 });
    expect(job.errors[0]).toEqual({ line: 10_001, reason: 'total must be a number, got "n/a"' });
    expect(job.errors.at(-1)?.line).toBe(200_001);
    expect(await countEvents(store.database.db, ws)).toBe(ROWS - 20);
    // The file is ~33 MB; holding its rows as objects would take several times that.
    expect(size).toBeGreaterThan(30 * 1024 * 1024);
    expect(peak).toBeLessThan(size / 4);
  });
});
