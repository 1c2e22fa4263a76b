import type { DemoApi } from './demo-api.js';
import type { DemoStore } from './generator.js';
import { loadHistory, waitForProcessor } from './load-history.js';
import type { DemoProgress } from './run-demo.js';
import { installStarterSetup, type StarterItem } from './starter-setup.js';

export interface PopulateOptions {
  /** Install no starter segments, journeys or experiment. */
  bare?: boolean;
  /** Pause that lets the journeys' own log reader pass the history before journeys go live (default 2000 ms). */
  settleMs?: number;
  now?: () => number;
  onStage?: (stage: 'history' | 'history-skipped' | 'processing' | 'starter') => void;
  onHistoryProgress?: (progress: DemoProgress) => void;
  /** Events not yet turned into profiles, polled until 0. */
  onProcessing?: (lagEvents: number) => void;
}

export interface PopulateResult {
  /** Undefined when this seed's shop was loaded before (its first product exists). */
  history: DemoProgress | undefined;
  starter: StarterItem[];
}

/**
 * Fills a workspace with a demo shop through the API: the history unless this seed's shop is
 * already there, waits for the processor, then installs the starter setup unless `bare`.
 * Running it twice sends and creates nothing new.
 * @example await populateDemo(api, generateDemoStore({ customers: 500 }), { bare: false });
 */
export async function populateDemo(api: DemoApi, store: DemoStore, options: PopulateOptions = {}): Promise<PopulateResult> {
  const first = store.products[0];
  const loaded = first !== undefined && (await api.request('GET', `/api/v1/catalog/products/${encodeURIComponent(first.id)}`)).status === 200;
  let history: DemoProgress | undefined;
  if (loaded) options.onStage?.('history-skipped');
  else {
    options.onStage?.('history');
    history = await loadHistory(api, store, options.onHistoryProgress === undefined ? {} : { onProgress: options.onHistoryProgress });
  }
  options.onStage?.('processing');
  await waitForProcessor(api, (_percent, lag) => options.onProcessing?.(lag));
  if (options.bare === true) return { history, starter: [] };
  // Journeys read the log with their own cursor; once it has passed the history, months-old
  // carts cannot start today's journeys.
  await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 2000));
  options.onStage?.('starter');
  const starter = await installStarterSetup(api, { now: (options.now ?? Date.now)() });
  return { history, starter };
}
