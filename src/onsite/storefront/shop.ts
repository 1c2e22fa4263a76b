import { generateCatalog, type DemoProduct } from '../../demo/catalog.js';
import { DEMO_SOURCE } from '../../demo/demo-api.js';
import { Random } from '../../demo/random.js';
import { DEFAULT_WORKSPACE, type WorkspaceService } from '../../workspaces/index.js';
import type { CartLine } from './pages.js';

/** The demo's catalog: the same seed and stream as `rapport demo`, whose first products are these for any catalog size. */
export function demoProducts(count = 200): DemoProduct[] {
  return generateCatalog(Random.derive(1, 'catalog'), count);
}

/** The write key `rapport demo` created in the default workspace, or null before the demo was loaded. */
export async function demoWriteKey(workspaces: Pick<WorkspaceService, 'listWriteKeys'>): Promise<string | null> {
  const keys = await workspaces.listWriteKeys(DEFAULT_WORKSPACE);
  return keys.find((entry) => entry.name === DEMO_SOURCE && entry.revokedAt === null)?.key ?? null;
}

/** The storefront pages' CSP. Scripts only from this origin or with this response's nonce; styles only from files (widgets use constructed sheets). */
export function shopCsp(nonce: string): string {
  return `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
}

/** Parses the cart cookie (`id:qty:price,...`, written by shop.js) against the catalog; unknown ids and junk are dropped. */
export function cartLines(cookie: string | undefined, byId: ReadonlyMap<string, DemoProduct>): CartLine[] {
  const match = /(?:^|;\s*)rapport_demo_cart=([^;]*)/.exec(cookie ?? '');
  if (match?.[1] === undefined) return [];
  let raw: string;
  try {
    raw = decodeURIComponent(match[1]);
  } catch {
    return [];
  }
  const lines = new Map<string, CartLine>();
  for (const part of raw.split(',').slice(0, 50)) {
    const [id = '', quantity = ''] = part.split(':');
    const product = byId.get(id);
    if (product !== undefined) lines.set(id, { product, quantity: Math.min(99, Math.max(1, Number.parseInt(quantity, 10) || 1)) });
  }
  return [...lines.values()];
}
