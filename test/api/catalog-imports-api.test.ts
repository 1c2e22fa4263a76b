import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { tempDir } from '../helpers/databases.js';

describe('catalog and import routes', () => {
  let rapport: Rapport;
  let dir: string;
  const admin = { authorization: 'Bearer ADM' };

  beforeAll(async () => {
    dir = tempDir();
    rapport = await createRapport(loadConfig({ RAPPORT_DATA_DIR: dir, RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_LOG_LEVEL: 'silent' }), { processor: 'off' });
  });
  afterAll(async () => {
    await rapport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replaces a product with PUT and emits Price Dropped into the log when the price falls', async () => {
    const put = (price: number, inventory: number) =>
      rapport.app.inject({
        method: 'PUT',
        url: '/api/v1/catalog/products/jk-1',
        headers: admin,
        payload: { id: 'jk-1', name: 'Winter Jacket', price, currency: 'EUR', inventory, category: ['Apparel', 'Jackets'] },
      });
    expect((await put(200, 0)).statusCode).toBe(200);
    const updated = await put(150, 4);
    expect(updated.json()).toMatchObject({ id: 'jk-1', price: 150, inventory: 4, category: 'Apparel > Jackets' });
    const drops = await rapport.eventLog.events('default', { event: 'Price Dropped' });
    expect(drops).toHaveLength(1);
    expect(drops[0]?.message.properties).toMatchObject({ product_id: 'jk-1', previous_price: 200, price: 150 });
    expect(await rapport.eventLog.events('default', { event: 'Back In Stock' })).toHaveLength(1);
    const got = await rapport.app.inject({ method: 'GET', url: '/api/v1/catalog/products/jk-1', headers: admin });
    expect(got.json().name).toBe('Winter Jacket');
  });

  it('rejects a PUT whose body id differs from the path, naming the field', async () => {
    const response = await rapport.app.inject({ method: 'PUT', url: '/api/v1/catalog/products/a', headers: admin, payload: { id: 'b', name: 'B' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues[0].field).toBe('body.id');
  });

  it('bulk upserts, reporting bad items by index and keeping the good ones', async () => {
    const response = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/catalog/products',
      headers: admin,
      payload: {
        products: [
          { id: 'h-1', name: 'Hat', price: 20 },
          { id: 'h-2', price: -1 },
          { id: 'g-1', name: 'Gloves', price: 15 },
        ],
      },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.created).toBe(2);
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].index).toBe(1);
    const listed = await rapport.app.inject({ method: 'GET', url: '/api/v1/catalog/products?limit=10', headers: admin });
    expect(
      listed
        .json()
        .products.map((product: { id: string }) => product.id)
        .sort(),
    ).toEqual(['g-1', 'h-1', 'jk-1']);
    expect((await rapport.app.inject({ method: 'DELETE', url: '/api/v1/catalog/products/h-1', headers: admin })).statusCode).toBe(204);
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/catalog/products/h-1', headers: admin })).statusCode).toBe(404);
  });

  it('imports an uploaded gzipped CSV as a job with progress and per-line errors', async () => {
    const csv = 'customer_id,email,first_name\nc1,ANA@Example.com,Ana\nc2,not-an-email,Bo\nc3,cy@example.com,Cy\n';
    const response = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/imports?kind=customers&format=csv&name=crm.csv',
      headers: { ...admin, 'content-type': 'text/csv', 'content-encoding': 'gzip' },
      payload: gzipSync(csv),
    });
    expect(response.statusCode).toBe(202);
    const job = response.json();
    const finished = await rapport.imports.wait('default', job.id);
    expect(finished).toMatchObject({ status: 'completed', rowsOk: 2, rowsFailed: 1, percent: 100 });
    expect(finished?.errors[0]?.line).toBe(3);
    const fetched = await rapport.app.inject({ method: 'GET', url: `/api/v1/imports/${job.id}`, headers: admin });
    expect(fetched.json().rowsOk).toBe(2);
    const listed = await rapport.app.inject({ method: 'GET', url: '/api/v1/imports', headers: admin });
    expect(listed.json().imports).toHaveLength(1);
    expect(await rapport.eventLog.events('default', { userId: 'c1' })).toHaveLength(1);
  });

  it('refuses an import with an unknown kind, naming the allowed ones', async () => {
    const response = await rapport.app.inject({ method: 'POST', url: '/api/v1/imports?kind=pets&format=csv', headers: { ...admin, 'content-type': 'text/csv' }, payload: 'a\n1\n' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues[0].field).toContain('kind');
  });
});
