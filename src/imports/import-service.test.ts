import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, tempDir, type TestStore } from '../../test/helpers/databases.js';
import { waitFor } from '../../test/helpers/server.js';
import { CatalogService } from '../catalog/catalog-service.js';
import { IngestService } from '../ingest/ingest-service.js';
import { manualClock } from '../shared/clock.js';
import { countEvents, findEvents } from '../log/store/event-log.js';
import { ImportService, type ImportProgress, type ImportRequest } from './import-service.js';
import type { ImportFormat, ImportKind } from './import-job.js';

const ws = 'ws_import';
let dir: string;

beforeAll(() => {
  dir = tempDir('rapport-import-');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeFile(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function request(kind: ImportKind, format: ImportFormat, file: string): ImportRequest {
  return { kind, format, name: path.basename(file), source: fs.createReadStream(file), totalBytes: fs.statSync(file).size };
}

const customersCsv = [
  'Customer ID,Email,Phone,First Name,Last Name,Birthday,Gender,Street,City,Zip,Country,Created At,Email Consent,SMS Opt In,CRM ID,Loyalty Card,Favourite Colour,Notes',
  'c1,Ada@Example.com,+44 20 7946 0958,Ada,Lovelace,1815-12-10,F,12 St James Sq,London,01234,GB,2023-01-05T10:00:00Z,yes,no,crm-1,LC-9,blue,plain',
  'c2,grace@example.com,,Grace,Hopper,1906-12-09,female,,New York,,US,2023-02-01,true,,crm-2,,,"two',
  'lines"',
  'c3,not-an-email,,Bad,Row,,,,,,,,,,,,,',
  ',,,No,Identity,,,,,,,,,,,,,',
  'c5,eve@example.com,,Eve,,1990-02-31,,,,,,,,,,,,',
  ',frank@example.com,06 12 34 56 78,Frank,,,,,Paris,,FR,,1,,,,,',
  `c7,gina@example.com,,Gina${','.repeat(14)}`,
].join('\n');

const ordersCsv = [
  'order_id,customer_id,email,created_at,status,currency,tax,shipping,discount,coupon,product_id,sku,product_name,price,quantity,category,payment_method',
  'o1,c1,,2024-03-01T12:00:00Z,paid,eur,4.2,5,0,,p1,SKU1,Rain Jacket,100,1,Apparel > Jackets,card',
  'o1,c1,,2024-03-01T12:00:00Z,paid,eur,4.2,5,0,,p2,SKU2,Wool Socks,10,2,Apparel > Socks,card',
  'o2,,bob@example.com,2024-03-02T09:30:00Z,,usd,0,0,5,SPRING,p3,SKU3,Mug,12.5,1,Home,paypal',
  'o3,c1,,2024-03-03,paid,eur,,,,,p1,SKU1,Rain Jacket,100,lots,,card',
  'o4,c9,,,paid,eur,,,,,p1,SKU1,Rain Jacket,100,1,,card',
  'o1,c1,,2024-03-05T08:00:00Z,refunded,eur,,,,,p2,SKU2,Wool Socks,10,1,,card',
  'o5,c2,,2024-03-06T08:00:00Z,pending,eur,,,,,p1,SKU1,Rain Jacket,100,1,,card',
].join('\n');

describe.each(dialects)('ImportService (%s)', (dialect) => {
  let store: TestStore;
  let imports: ImportService;
  let catalog: CatalogService;
  const clock = manualClock(Date.parse('2024-06-01T00:00:00Z'));

  beforeEach(async () => {
    store = await createTestStore(dialect);
    const ingest = new IngestService({ database: store.database, partitions: 4, clock });
    catalog = new CatalogService({ database: store.database, events: ingest, clock });
    imports = new ImportService({ database: store.database, ingest, catalog, clock, batchSize: 3 });
  });
  afterEach(async () => {
    await store.drop();
  });

  it('imports customers as identify messages; bad rows are reported with their line', async () => {
    const file = writeFile('customers.csv', customersCsv);
    const progress: ImportProgress[] = [];
    const job = await imports.runImport(ws, { ...request('customers', 'csv', file), defaultCountry: 'GB' }, { onProgress: (p) => progress.push(p) });
    expect(job).toMatchObject({ status: 'completed', kind: 'customers', name: 'customers.csv', rowsOk: 4, rowsFailed: 3, percent: 100 });
    expect(job.bytesDone).toBe(fs.statSync(file).size);
    expect(job.errors).toEqual([
      { line: 5, reason: 'email is not an email address: "not-an-email"' },
      { line: 6, reason: 'needs user_id, customer_id, email or phone to know who the row is about' },
      { line: 7, reason: 'birthday must be a date as YYYY-MM-DD, got "1990-02-31"' },
    ]);
    expect(progress.at(-1)).toMatchObject({ status: 'completed', rowsOk: 4, rowsFailed: 3, percent: 100 });

    const [ada] = await findEvents(store.database.db, ws, { userId: 'c1' });
    expect(ada?.type).toBe('identify');
    expect(ada?.messageId).toMatch(/^import-customer-/);
    expect(ada?.message.traits).toEqual({
      email: 'ada@example.com',
      phone: '+442079460958',
      firstName: 'Ada',
      lastName: 'Lovelace',
      birthday: '1815-12-10',
      gender: 'f',
      createdAt: '2023-01-05T10:00:00.000Z',
      address: { street: '12 St James Sq', city: 'London', postalCode: '01234', country: 'GB' },
      consent: { email: true, sms: false },
      favourite_colour: 'blue',
      notes: 'plain',
    });
    expect(ada?.message.context.externalIds).toEqual([
      { id: 'crm-1', type: 'crm_id', collection: 'users', encoding: 'none' },
      { id: 'LC-9', type: 'loyalty_card', collection: 'users', encoding: 'none' },
    ]);
    const [grace] = await findEvents(store.database.db, ws, { userId: 'c2' });
    expect(grace?.message.traits).toMatchObject({ notes: 'two\nlines', consent: { email: true } });
    // No customer id: a stable anonymousId from the email, phone parsed with the row's country.
    const frank = (await findEvents(store.database.db, ws, { type: 'identify' })).find((event) => event.message.traits?.firstName === 'Frank');
    expect(frank?.anonymousId).toMatch(/^import-/);
    expect(frank?.message.traits).toMatchObject({ email: 'frank@example.com', phone: '+33612345678', consent: { email: true } });

    // Re-run: nothing new. A changed row applies again.
    const again = await imports.runImport(ws, { ...request('customers', 'csv', file), defaultCountry: 'GB' });
    expect(again).toMatchObject({ status: 'completed', rowsOk: 4, rowsFailed: 3 });
    expect(await countEvents(store.database.db, ws)).toBe(4);
    const changed = writeFile('customers-changed.csv', customersCsv.replace('Gina', 'Georgina'));
    await imports.runImport(ws, { ...request('customers', 'csv', changed), defaultCountry: 'GB' });
    expect(await countEvents(store.database.db, ws)).toBe(5);
  });

  it('groups line-item rows into one Order Completed, imports refunds, and reports bad orders', async () => {
    const file = writeFile('orders.csv', ordersCsv);
    const job = await imports.runImport(ws, request('orders', 'csv', file));
    expect(job.errors).toEqual([
      { line: 5, reason: 'quantity must be a number, got "lots"' },
      { line: 6, reason: 'needs the order time (timestamp, created_at or order_date)' },
      { line: 8, reason: 'status "pending" is not imported (completed, refunded or cancelled orders are)' },
    ]);
    expect(job).toMatchObject({ status: 'completed', rowsOk: 4, rowsFailed: 3 });

    const orders = await findEvents(store.database.db, ws, { event: 'Order Completed' });
    expect(orders.map((order) => order.messageId).sort()).toEqual(['import-order-o1', 'import-order-o2']);
    const o1 = orders.find((order) => order.messageId === 'import-order-o1');
    expect(o1?.userId).toBe('c1');
    expect(o1?.timestamp).toBe(Date.parse('2024-03-01T12:00:00Z'));
    expect(o1?.message.properties).toEqual({
      order_id: 'o1',
      currency: 'EUR',
      tax: 4.2,
      shipping: 5,
      discount: 0,
      payment_method: 'card',
      revenue: 120,
      products: [
        { product_id: 'p1', sku: 'SKU1', name: 'Rain Jacket', price: 100, quantity: 1, category: 'Apparel > Jackets' },
        { product_id: 'p2', sku: 'SKU2', name: 'Wool Socks', price: 10, quantity: 2, category: 'Apparel > Socks' },
      ],
    });
    const o2 = orders.find((order) => order.messageId === 'import-order-o2');
    expect(o2?.anonymousId).toMatch(/^import-/);
    expect(o2?.message.context.traits).toEqual({ email: 'bob@example.com' });
    expect(o2?.message.properties).toMatchObject({ coupon: 'SPRING', discount: 5, revenue: 12.5, currency: 'USD' });

    const [refund] = await findEvents(store.database.db, ws, { event: 'Order Refunded' });
    expect(refund).toMatchObject({ messageId: 'import-refund-o1', userId: 'c1' });
    expect(refund?.message.properties).toMatchObject({ order_id: 'o1', products: [{ product_id: 'p2', quantity: 1 }] });

    await imports.runImport(ws, request('orders', 'csv', file));
    expect(await countEvents(store.database.db, ws)).toBe(3);
  });

  it('keeps the purchase of an order whose final status is refunded, and not of a refund transaction', async () => {
    const file = writeFile(
      'final-status.csv',
      [
        'order_id,customer_id,created_at,refunded_at,financial_status,type,total,currency',
        'f1,c1,2024-04-01T10:00:00Z,2024-04-09T10:00:00Z,refunded,,50,EUR',
        'f2,c1,2024-04-02T10:00:00Z,,,refund,20,EUR',
      ].join('\n'),
    );
    const job = await imports.runImport(ws, request('orders', 'csv', file));
    expect(job).toMatchObject({ status: 'completed', rowsOk: 2, rowsFailed: 0 });
    const completed = await findEvents(store.database.db, ws, { event: 'Order Completed' });
    expect(completed.map((event) => event.messageId)).toEqual(['import-order-f1']);
    expect(completed[0]?.timestamp).toBe(Date.parse('2024-04-01T10:00:00Z'));
    const refunds = await findEvents(store.database.db, ws, { event: 'Order Refunded' });
    expect(refunds.map((event) => [event.messageId, event.timestamp])).toEqual([
      ['import-refund-f1', Date.parse('2024-04-09T10:00:00Z')],
      ['import-refund-f2', Date.parse('2024-04-02T10:00:00Z')],
    ]);
  });

  it('reads orders from NDJSON with a products array', async () => {
    const lines = [
      { order_id: 'n1', user_id: 'u1', timestamp: '2024-04-01T10:00:00Z', total: 30, currency: 'EUR', products: [{ product_id: 'p1', price: 15, quantity: 2 }] },
      { order_id: 'n2', user_id: 'u1', timestamp: '2024-04-02T10:00:00Z', products: 'not a list' },
    ];
    const file = writeFile('orders.ndjson', lines.map((line) => JSON.stringify(line)).join('\n'));
    const job = await imports.runImport(ws, request('orders', 'ndjson', file));
    expect(job).toMatchObject({ rowsOk: 1, rowsFailed: 1, errors: [{ line: 2, reason: 'products must be JSON' }] });
    const [order] = await findEvents(store.database.db, ws, { event: 'Order Completed' });
    expect(order?.message.properties).toMatchObject({ total: 30, revenue: 30, products: [{ product_id: 'p1', quantity: 2 }] });
  });

  it('imports products into the catalog, emitting a price drop on a re-import with a lower price', async () => {
    const csv = (price: string) =>
      ['product_id,title,price,currency,stock,category,brand,material', `p1,Rain Jacket,${price},EUR,3,Apparel > Jackets,Nordwind,nylon`, 'p2,,5,EUR,1,,,', 'p3,Cap,cheap,EUR,,,,'].join('\n');
    const first = await imports.runImport(ws, request('products', 'csv', writeFile('products.csv', csv('120'))));
    expect(first).toMatchObject({ rowsOk: 1, rowsFailed: 2 });
    expect(first.errors).toEqual([
      { line: 3, reason: expect.stringMatching(/^name: /) },
      { line: 4, reason: 'price must be a number, got "cheap"' },
    ]);
    expect(await catalog.getProduct(ws, 'p1')).toMatchObject({ price: 120, inventory: 3, brand: 'Nordwind', attributes: { material: 'nylon' } });
    clock.advance(1000);
    await imports.runImport(ws, request('products', 'csv', writeFile('products.csv', csv('96'))));
    const drops = await findEvents(store.database.db, ws, { event: 'Price Dropped' });
    expect(drops.map((drop) => drop.message.properties)).toEqual([expect.objectContaining({ previous_price: 120, price: 96, drop_percent: 20 })]);
  });

  it('imports raw events from NDJSON, giving id-less messages a stable messageId', async () => {
    const text = [
      JSON.stringify({ type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'm1', timestamp: '2024-01-01T00:00:00Z' }),
      JSON.stringify({ type: 'track', userId: 'u1' }),
      '{"type":"page","anonymousId":"a1","name":"Home"}',
      'garbage',
    ].join('\n');
    const file = writeFile('events.ndjson', text);
    const job = await imports.runImport(ws, request('events', 'ndjson', file));
    expect(job).toMatchObject({ rowsOk: 2, rowsFailed: 2 });
    expect(job.errors).toEqual([
      { line: 2, reason: expect.stringMatching(/^event: track needs event/) },
      { line: 4, reason: expect.stringContaining('not valid JSON') },
    ]);
    const [page] = await findEvents(store.database.db, ws, { type: 'page' });
    expect(page?.messageId).toMatch(/^import-event-/);
    await imports.runImport(ws, request('events', 'ndjson', file));
    expect(await countEvents(store.database.db, ws)).toBe(2);
    await expect(imports.start(ws, request('events', 'csv', file))).rejects.toThrow(/NDJSON/);
  });

  it('refreshes PostgreSQL statistics after an import of at least analyzeAfterRows rows, not after a smaller one', async () => {
    const analyzed = async () => {
      const { rows } = await sql<{ n: number | null }>`select analyze_count::int as n from pg_stat_user_tables where relname = 'events'`.execute(store.database.db);
      return Number(rows[0]?.n ?? 0);
    };
    const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ type: 'track', event: 'Viewed', userId: `u${i}`, messageId: `${prefix}${i}` })).join('\n');
    const bulk = new ImportService({ database: store.database, ingest: new IngestService({ database: store.database, partitions: 4, clock }), catalog, clock, analyzeAfterRows: 5 });
    if (dialect === 'sqlite') {
      expect((await bulk.runImport(ws, request('events', 'ndjson', writeFile('bulk.ndjson', lines('b', 5))))).status).toBe('completed');
      return;
    }
    // Migrations analysed the store once; wait until the statistics view shows it.
    const start = await waitFor('the analysis after migrations', async () => ((await analyzed()) >= 1 ? analyzed() : undefined));
    await bulk.runImport(ws, request('events', 'ndjson', writeFile('small.ndjson', lines('s', 4))));
    await bulk.runImport(ws, request('events', 'ndjson', writeFile('bulk.ndjson', lines('b', 5))));
    await waitFor('the ANALYZE after the bulk import', async () => ((await analyzed()) > start ? true : undefined));
    expect(await analyzed()).toBe(start + 1);
  });

  it('runs started jobs in the background and lists them', async () => {
    const file = writeFile('bg.csv', customersCsv);
    const id = await imports.start(ws, request('customers', 'csv', file));
    const done = await imports.wait(ws, id);
    expect(done).toMatchObject({ id, status: 'completed', percent: 100, rowsOk: 4 });
    expect((await imports.list(ws)).map((job) => job.id)).toContain(id);
    expect(await imports.get('other', id)).toBeUndefined();
  });

  it('fails the job, keeping committed rows, when the source breaks', async () => {
    const source = Readable.from(
      (async function* () {
        yield Buffer.from(`${customersCsv}\n`);
        throw new Error('disk went away');
      })(),
    );
    const job = await imports.runImport(ws, { kind: 'customers', format: 'csv', name: 'broken.csv', source });
    expect(job).toMatchObject({ status: 'failed', error: 'disk went away', percent: null });
    // What was committed before the failure stays and is counted.
    expect(await countEvents(store.database.db, ws)).toBe(job.rowsOk);
    expect(job.finishedAt).not.toBeNull();
  });
});
