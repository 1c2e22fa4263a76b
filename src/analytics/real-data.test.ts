import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, dialects, tempDir, type TestStore } from '../../test/helpers/databases.js';
import { profileIdFor } from '../identity/resolve.js';
import type { TrackingMessage } from '../ingest/message.js';
import { DuckDbEngine } from './duckdb/duckdb-engine.js';
import { scoreRfm, type RfmInput } from './rfm.js';
import { duckFile, loadMessages } from './test/fixture.js';
import { sharedData } from '../../test/helpers/shared-data.js';

/*
 * Cohorts and RFM on real purchase data (../shared/data): the raw file goes through the real log
 * and processor into the replica; the expected figures are computed here, independently, from
 * the same raw file with plain loops.
 */

const dataDir = sharedData();
const DAY = 86_400_000;

interface Purchase {
  customer: string;
  at: number;
  amount: number;
}

function readGz(file: string): string[] {
  return zlib
    .gunzipSync(fs.readFileSync(file))
    .toString('utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
}

/** cdnow_master.csv.gz: customer_id,date,number_of_cds,dollar_value; one order per row. */
function cdnow(): Purchase[] {
  return readGz(path.join(dataDir, 'cdnow', 'cdnow_master.csv.gz'))
    .slice(1)
    .map((line) => {
      const [customer = '', date = '', , dollars = ''] = line.split(',');
      return { customer, at: Date.parse(`${date}T12:00:00Z`), amount: Number(dollars) };
    });
}

/** transactions_sample.csv.gz: one row per basket line; an order is a basket (sum of sales_value, first timestamp). */
function completeJourney(): Purchase[] {
  const baskets = new Map<string, Purchase>();
  for (const line of readGz(path.join(dataDir, 'completejourney-sample', 'transactions_sample.csv.gz')).slice(1)) {
    const fields = line.split(',').map((field) => field.replace(/^"|"$/g, ''));
    const [household = '', , basket = '', , , sales = '', , , , , stamp = ''] = fields;
    const at = Date.parse(`${stamp}Z`);
    const existing = baskets.get(basket);
    if (existing === undefined) baskets.set(basket, { customer: household, at, amount: Number(sales) });
    else {
      existing.amount += Number(sales);
      existing.at = Math.min(existing.at, at);
    }
  }
  return [...baskets.values()];
}

function toMessages(purchases: readonly Purchase[], prefix: string): TrackingMessage[] {
  return purchases.map((purchase, index) => {
    const iso = new Date(purchase.at).toISOString();
    return {
      type: 'track',
      messageId: `${prefix}-${index}`,
      userId: purchase.customer,
      event: 'Order Completed',
      properties: { order_id: `${prefix}-${index}`, revenue: purchase.amount },
      context: {},
      timestamp: iso,
      receivedAt: iso,
    };
  });
}

const monthIndex = (ms: number): number => new Date(ms).getUTCFullYear() * 12 + new Date(ms).getUTCMonth();
const monthLabel = (index: number): string => `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;

/** Expected cohort table: per first-purchase month, customers and orders and revenue per month offset. */
function expectedCohorts(purchases: readonly Purchase[], periods: number) {
  const first = new Map<string, number>();
  for (const purchase of purchases) first.set(purchase.customer, Math.min(first.get(purchase.customer) ?? Number.POSITIVE_INFINITY, purchase.at));
  const cells = new Map<string, { customers: Set<string>; events: number; revenue: number }>();
  const sizes = new Map<number, number>();
  const perCustomer = new Map<string, number>();
  for (const t of first.values()) sizes.set(monthIndex(t), (sizes.get(monthIndex(t)) ?? 0) + 1);
  for (const purchase of purchases) {
    const cohort = monthIndex(first.get(purchase.customer) ?? 0);
    const offset = monthIndex(purchase.at) - cohort;
    if (offset >= periods) continue;
    const key = `${cohort}/${offset}`;
    const cell = cells.get(key) ?? { customers: new Set<string>(), events: 0, revenue: 0 };
    cell.customers.add(purchase.customer);
    cell.events += 1;
    cell.revenue += purchase.amount;
    cells.set(key, cell);
    perCustomer.set(purchase.customer, (perCustomer.get(purchase.customer) ?? 0) + 1);
  }
  return [...sizes.keys()]
    .sort((a, b) => a - b)
    .map((cohort) => {
      const members = [...first.entries()].filter(([, t]) => monthIndex(t) === cohort).map(([customer]) => customer);
      const offsets = [...cells.keys()]
        .filter((key) => key.startsWith(`${cohort}/`))
        .map((key) => Number(key.split('/')[1]))
        .sort((a, b) => a - b);
      return {
        cohort: monthLabel(cohort),
        size: sizes.get(cohort) ?? 0,
        repeatCustomers: members.filter((customer) => (perCustomer.get(customer) ?? 0) >= 2).length,
        periods: offsets.map((offset) => {
          const cell = cells.get(`${cohort}/${offset}`);
          return { offset, customers: cell?.customers.size ?? 0, events: cell?.events ?? 0, revenue: cell?.revenue ?? 0 };
        }),
      };
    });
}

function expectedRfm(purchases: readonly Purchase[], asOf: number): RfmInput[] {
  const byCustomer = new Map<string, { last: number; orders: number; revenue: number }>();
  for (const purchase of purchases) {
    if (purchase.at >= asOf) continue;
    const entry = byCustomer.get(purchase.customer) ?? { last: 0, orders: 0, revenue: 0 };
    entry.last = Math.max(entry.last, purchase.at);
    entry.orders += 1;
    entry.revenue += purchase.amount;
    byCustomer.set(purchase.customer, entry);
  }
  return [...byCustomer.entries()].map(([customer, entry]) => ({
    profileId: customer,
    recencyDays: (asOf - entry.last) / DAY,
    orders: entry.orders,
    // Cents, as the engine rounds: sums of the same cents in another order must compare equal.
    revenue: Math.round(entry.revenue * 100) / 100,
  }));
}

const datasets = [
  { name: 'CDNOW', load: cdnow, periods: 18, asOf: Date.parse('1998-07-01T00:00:00Z'), customers: 23_570, orders: 69_659 },
  { name: 'Complete Journey sample', load: completeJourney, periods: 12, asOf: Date.parse('2018-01-01T00:00:00Z'), customers: 2_377, orders: 47_243 },
];

describe.each(dialects)('cohorts and RFM on real data (%s log)', (dialect) => {
  describe.each(datasets)('$name', (dataset) => {
    const ws = 'real';
    let store: TestStore;
    let engine: DuckDbEngine;
    let purchases: Purchase[];
    const duckDir = tempDir('rapport-duck-');

    beforeAll(async () => {
      purchases = dataset.load();
      store = await createTestStore(dialect);
      await loadMessages(store.database, toMessages(purchases, dataset.name), ws);
      engine = await DuckDbEngine.open(store.database, { file: duckFile(duckDir) });
      await engine.sync();
    }, 240_000);
    afterAll(async () => {
      await engine?.close();
      await store?.drop();
      fs.rmSync(duckDir, { recursive: true, force: true });
    });

    it('has every order and customer of the raw file', async () => {
      expect(purchases).toHaveLength(dataset.orders);
      expect(new Set(purchases.map((purchase) => purchase.customer)).size).toBe(dataset.customers);
      expect((await engine.status()).events).toBe(dataset.orders);
    });

    it('builds the first-purchase cohort table the raw file gives', async () => {
      const result = await engine.cohorts(ws, { period: 'month', periods: dataset.periods });
      const expected = expectedCohorts(purchases, dataset.periods);
      expect(result.cohorts.map((row) => ({ cohort: row.cohort, size: row.size, repeatCustomers: row.repeatCustomers }))).toEqual(
        expected.map((row) => ({ cohort: row.cohort, size: row.size, repeatCustomers: row.repeatCustomers })),
      );
      for (const [index, row] of result.cohorts.entries()) {
        const want = expected[index];
        expect(row.periods.map((period) => [period.offset, period.customers, period.events])).toEqual(want?.periods.map((period) => [period.offset, period.customers, period.events]));
        row.periods.forEach((period, i) => expect(period.revenue).toBeCloseTo(want?.periods[i]?.revenue ?? Number.NaN, 6));
      }
    });

    it('scores RFM as the pure scorer does on independently computed inputs', async () => {
      const expected = scoreRfm(expectedRfm(purchases, dataset.asOf));
      const rows = await engine.rfmProfiles(ws, dataset.asOf);
      expect(rows).toHaveLength(expected.length);
      const byProfile = new Map(rows.map((row) => [row.profileId, row]));
      let mismatches = 0;
      for (const want of expected) {
        const got = byProfile.get(profileIdFor(ws, { type: 'user_id', value: want.profileId }));
        if (got === undefined || got.r !== want.r || got.f !== want.f || got.m !== want.m || got.group !== want.group || got.orders !== want.orders) mismatches += 1;
      }
      expect(mismatches).toBe(0);
      const summary = await engine.rfmSummary(ws, dataset.asOf);
      const counts = new Map<string, number>();
      for (const want of expected) counts.set(want.group, (counts.get(want.group) ?? 0) + 1);
      expect(Object.fromEntries(summary.groups.filter((group) => group.profiles > 0).map((group) => [group.group, group.profiles]))).toEqual(Object.fromEntries(counts));
    });
  });
});
