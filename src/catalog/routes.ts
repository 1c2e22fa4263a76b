import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type CatalogService, BulkProductsBody, Product, ProductInput, ProductListQuery, ProductPage, UpsertProductsResult } from '../catalog/index.js';
import { RapportError } from '../shared/errors.js';
import { callerOf } from '../app/caller.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

/** The product catalog: list, read, replace one, bulk upsert, delete. */
export async function catalogRoutes(scope: FastifyInstance, catalog: CatalogService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/catalog/products', { schema: { tags: ['catalog'], summary: 'Products, filtered and paginated', querystring: ProductListQuery, response: { 200: ProductPage } } }, async (request) =>
    catalog.listProducts(callerOf(request).workspaceId, request.query),
  );

  app.get('/catalog/products/:id', { schema: { tags: ['catalog'], summary: 'One product', params: IdParams, response: { 200: Product } } }, async (request) => {
    const product = await catalog.getProduct(callerOf(request).workspaceId, request.params.id);
    if (product === undefined) throw new RapportError('not_found', `no product "${request.params.id}" in the catalog`);
    return product;
  });

  app.put(
    '/catalog/products/:id',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Create or replace a product; a lower price emits Price Dropped, a restock from 0 emits Back In Stock',
        params: IdParams,
        body: ProductInput,
        response: { 200: Product },
      },
    },
    async (request) => {
      if (request.body.id !== request.params.id) {
        throw new RapportError('catalog.id_mismatch', `body.id "${request.body.id}" differs from the path id "${request.params.id}"`, [
          { field: 'body.id', rule: 'equals path id', message: 'must equal the id in the path' },
        ]);
      }
      const result = await catalog.upsertProduct(callerOf(request).workspaceId, request.body);
      if (!result.ok)
        throw new RapportError('catalog.product_invalid', `${result.error.field}: ${result.error.message}`, [{ field: `body${result.error.field}`, rule: 'product', message: result.error.message }]);
      return result.product;
    },
  );

  app.post(
    '/catalog/products',
    {
      schema: {
        tags: ['catalog'],
        summary: 'Bulk upsert: each item is validated on its own; bad items are reported, good ones written',
        body: BulkProductsBody,
        response: { 200: UpsertProductsResult },
      },
    },
    async (request) => catalog.upsertProducts(callerOf(request).workspaceId, request.body.products),
  );

  app.delete('/catalog/products/:id', { schema: { tags: ['catalog'], summary: 'Delete a product', params: IdParams, response: { 204: Type.Null() } } }, async (request, reply) => {
    if (!(await catalog.deleteProduct(callerOf(request).workspaceId, request.params.id))) {
      throw new RapportError('not_found', `no product "${request.params.id}" in the catalog`);
    }
    return reply.status(204).send(null);
  });
}
