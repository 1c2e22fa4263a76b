import type { DemoApi } from './demo-api.js';
import type { DemoStore } from './generator.js';
import { expectStatus, field } from './demo-api.js';
import { loadHistory, sendEvents, waitForProcessor } from './load-history.js';
import { onsiteHistory } from './onsite-history.js';
import { demoCampaigns } from './onsite-shoppers.js';
import type { DemoProgress } from './run-demo.js';
import { installStarterSetup, type StarterItem } from './starter-setup.js';

export interface PopulateOptions {
  /** Install no starter segments, journeys or experiment. */
  bare?: boolean;
  /** Pause that lets the journeys' own log reader pass the history before journeys go live (default 2000 ms). */
  settleMs?: number;
  now?: () => number;
  onStage?: (stage: 'history' | 'history-skipped' | 'onsite' | 'processing' | 'starter') => void;
  /** Visitors per live on-site campaign in the on-site history (default 800). */
  onsiteVisitors?: number;
  onOnsiteProgress?: (progress: DemoProgress, campaigns: number) => void;
  onHistoryProgress?: (progress: DemoProgress) => void;
  /** Events not yet turned into profiles, polled until 0. */
  onProcessing?: (lagEvents: number) => void;
}

export interface PopulateResult {
  /** Undefined when this seed's shop was loaded before (its first product exists). */
  history: DemoProgress | undefined;
  starter: StarterItem[];
  /** The on-site history: live campaigns met and events sent (undefined with `bare`). */
  onsite: (DemoProgress & { campaigns: number }) | undefined;
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
  let onsite: PopulateResult['onsite'];
  const installed = new Set<string>();
  if (options.bare !== true) {
    // The on-site starters go live first, so the history can carry their exposures: the uplift
    // report then has every template's interval from the log, as a shop's would.
    options.onStage?.('onsite');
    const starters = expectStatus(await api.request('POST', '/api/v1/onsite/starters/install', { body: { activate: true } }), [200], 'installing the on-site starter campaigns');
    const entries = field(starters, 'installed');
    for (const entry of Array.isArray(entries) ? entries : []) if (field(entry, 'created') === true) installed.add(String(field(entry, 'id')));
    const config = expectStatus(await api.request('GET', '/v1/onsite/config', { auth: 'write' }), [200], 'reading the on-site configuration');
    const campaigns = demoCampaigns(config);
    const messages = onsiteHistory(campaigns, {
      seed: store.seed,
      window: store.window,
      products: store.products,
      ...(options.onsiteVisitors === undefined ? {} : { visitorsPerCampaign: options.onsiteVisitors }),
    });
    const progress = await sendEvents(api, messages, { products: 0, events: 0, accepted: 0, duplicates: 0, rejected: 0 }, (current) => options.onOnsiteProgress?.(current, campaigns.length));
    onsite = { ...progress, campaigns: campaigns.length };
  }
  options.onStage?.('processing');
  await waitForProcessor(api, (_percent, lag) => options.onProcessing?.(lag));
  if (options.bare === true) return { history, starter: [], onsite };
  // Journeys read the log with their own cursor; once it has passed the history, months-old
  // carts cannot start today's journeys.
  await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 2000));
  options.onStage?.('starter');
  const starter = await installStarterSetup(api, { now: (options.now ?? Date.now)(), shopUrl: store.shopUrl });
  // The on-site starters were installed above: say which this run created.
  for (const item of starter) if (item.kind === 'onsite' && installed.has(item.id)) item.created = true;
  return { history, starter, onsite };
}
