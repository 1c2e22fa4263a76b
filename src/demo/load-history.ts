import { expectStatus, field, type DemoApi } from './demo-api.js';
import type { DemoStore } from './generator.js';
import type { DemoProgress } from './run-demo.js';

const EVENT_BATCH = 100;
const PRODUCT_BATCH = 500;
/** Requests in flight: enough to keep a server busy, few enough to keep its queue short. */
const CONCURRENCY = 4;

function count(value: unknown): number {
  return typeof value === 'number' ? value : Array.isArray(value) ? value.length : 0;
}

/**
 * Sends a demo store's catalog (admin catalog API) and history (Segment `/v1/batch` with the
 * write key) through the API, as a shop's backend and browsers would.
 * @example await loadHistory(api, generateDemoStore({ customers: 500 }), { onProgress: bar.update });
 */
export async function loadHistory(api: DemoApi, store: DemoStore, options: { onProgress?: (progress: DemoProgress) => void } = {}): Promise<DemoProgress> {
  const progress: DemoProgress = { products: 0, events: 0, accepted: 0, duplicates: 0, rejected: 0 };
  for (let start = 0; start < store.products.length; start += PRODUCT_BATCH) {
    const products = store.products.slice(start, start + PRODUCT_BATCH);
    const body = expectStatus(await api.request('POST', '/api/v1/catalog/products', { body: { products } }), [200], 'upserting the demo catalog');
    progress.products += products.length - count(field(body, 'errors'));
  }
  options.onProgress?.({ ...progress });
  return sendEvents(api, store.messagesSync(), progress, options.onProgress);
}

/**
 * Sends messages to `/v1/batch` with the write key in batches of 100, four requests in flight,
 * counting into `progress`.
 * @example await sendEvents(api, messages, { products: 0, events: 0, accepted: 0, duplicates: 0, rejected: 0 });
 */
export async function sendEvents(api: DemoApi, messages: Iterable<unknown>, progress: DemoProgress, onProgress?: (progress: DemoProgress) => void): Promise<DemoProgress> {
  const inFlight = new Set<Promise<void>>();
  const send = async (batch: unknown[]) => {
    const body = expectStatus(await api.request('POST', '/v1/batch', { auth: 'write', body: { batch } }), [200], 'sending demo events to /v1/batch');
    const duplicates = count(field(body, 'duplicates'));
    progress.events += batch.length;
    progress.accepted += count(field(body, 'accepted')) - duplicates;
    progress.duplicates += duplicates;
    progress.rejected += count(field(body, 'rejected'));
    onProgress?.({ ...progress });
  };
  let batch: unknown[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const request = send(batch).finally(() => inFlight.delete(request));
    inFlight.add(request);
    batch = [];
    if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
  };
  for (const message of messages) {
    batch.push(message);
    if (batch.length >= EVENT_BATCH) await flush();
  }
  await flush();
  await Promise.all(inFlight);
  return progress;
}

/**
 * Waits until the server's processor has turned every event into profiles (the admin
 * processor endpoint), reporting the percent done.
 * @example await waitForProcessor(api, (percent) => bar.update(percent));
 */
export async function waitForProcessor(
  api: DemoApi,
  onProgress?: (percentDone: number, lagEvents: number) => void,
  sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  for (;;) {
    const body = expectStatus(await api.request('GET', '/api/v1/processor'), [200], 'reading the processor lag');
    const lag = count(field(body, 'lagEvents'));
    onProgress?.(count(field(body, 'percentDone')), lag);
    if (lag === 0) return;
    await sleep(500);
  }
}
