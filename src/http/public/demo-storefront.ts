import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DemoProduct } from '../../demo/catalog.js';
import {
  SHOP_CSS,
  SHOP_JS,
  productSvg,
  cartPage,
  categoryPage,
  departmentSlug,
  homePage,
  notFoundPage,
  productPage,
  SHOP_BASE,
  type PageContext,
  cartLines,
  demoProducts,
  shopCsp,
  shopLang,
} from '../../onsite/index.js';

export interface StorefrontOptions {
  /** The demo workspace's write key for the SDK snippet; null while the demo is not loaded. */
  writeKey(): Promise<string | null>;
  /** The shop's products (default: the demo generator's catalog for seed 1, so ids match the loaded demo). */
  products?: readonly DemoProduct[];
}

/**
 * The demo storefront at /demo/shop: home, department, product and cart pages rendered on the server in
 * English, Arabic or Japanese (`?lang=`), with the Rapport SDK loader installed under a nonce CSP and
 * reserved slots for banner and recommendation campaigns.
 * @example await app.register(async (scope) => storefrontRoutes(scope, { writeKey: () => demoWriteKey(deps.workspaces) }));
 */
export async function storefrontRoutes(scope: FastifyInstance, options: StorefrontOptions): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const products = options.products ?? demoProducts();
  const byId = new Map(products.map((product) => [product.id, product]));
  const departments = [...new Set(products.map((product) => product.category[0] ?? ''))].filter((name) => name !== '').sort();
  const bySlug = new Map(departments.map((name) => [departmentSlug(name), name]));
  const Query = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 8 })) });

  const page = async (reply: FastifyReply, lang: string | undefined, path: string, render: (ctx: PageContext) => string, status = 200): Promise<FastifyReply> => {
    const nonce = randomBytes(16).toString('base64');
    const ctx: PageContext = { lang: shopLang(lang), nonce, writeKey: await options.writeKey(), path };
    // The dashboard's on-site editor frames the storefront (same origin) for its live preview.
    const csp = shopCsp(nonce).replace(/frame-ancestors [^;]*/, "frame-ancestors 'self'");
    return reply.status(status).header('content-security-policy', csp).header('x-frame-options', 'SAMEORIGIN').header('cache-control', 'no-store').type('text/html; charset=utf-8').send(render(ctx));
  };
  const schema = { hide: true, querystring: Query };

  app.get(SHOP_BASE, { schema }, async (request, reply) => page(reply, request.query.lang, '', (ctx) => homePage(ctx, products.filter((product) => product.inventory > 0).slice(0, 12), departments)));
  app.get(`${SHOP_BASE}/c/:department`, { schema: { ...schema, params: Type.Object({ department: Type.String({ maxLength: 100 }) }) } }, async (request, reply) => {
    const department = bySlug.get(request.params.department);
    const path = `/c/${encodeURIComponent(request.params.department)}`;
    if (department === undefined) return page(reply, request.query.lang, path, (ctx) => notFoundPage(ctx, departments), 404);
    return page(reply, request.query.lang, path, (ctx) => categoryPage(ctx, department, products.filter((product) => product.category[0] === department).slice(0, 48), departments));
  });
  app.get(`${SHOP_BASE}/p/:id`, { schema: { ...schema, params: Type.Object({ id: Type.String({ maxLength: 100 }) }) } }, async (request, reply) => {
    const product = byId.get(request.params.id);
    const path = `/p/${encodeURIComponent(request.params.id)}`;
    if (product === undefined) return page(reply, request.query.lang, path, (ctx) => notFoundPage(ctx, departments), 404);
    return page(reply, request.query.lang, path, (ctx) => productPage(ctx, product, departments));
  });
  app.get(`${SHOP_BASE}/cart`, { schema }, async (request, reply) => page(reply, request.query.lang, '/cart', (ctx) => cartPage(ctx, cartLines(request.headers.cookie, byId), departments)));

  app.get(`${SHOP_BASE}/assets/shop.css`, { schema: { hide: true } }, async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(SHOP_CSS));
  app.get(`${SHOP_BASE}/assets/shop.js`, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(SHOP_JS),
  );
  app.get(`${SHOP_BASE}/img/:file`, { schema: { hide: true, params: Type.Object({ file: Type.String({ maxLength: 120, pattern: '^[A-Za-z0-9_-]+\\.svg$' }) }) } }, async (request, reply) => {
    const product = byId.get(request.params.file.slice(0, -4));
    if (product === undefined) return reply.status(404).type('text/plain').send('no such image');
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(productSvg(product));
  });
}
