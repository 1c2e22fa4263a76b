import type { CatalogService } from '../catalog/index.js';
import type { IssuedCoupon } from '../coupons/index.js';
import type { Profile } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import type { TemplateLookups, RecommendationSlotProvider, SlotProduct, RenderedMessage } from '../templates/index.js';
import { brandContext, cartUrl, fromHeader, unbranded, type BrandService, type BrandView } from '../workspaces/index.js';
import type { Destination } from './destinations.js';
import { addTracking, linkUrls, type LinkSigner } from './links.js';
import type { OutboundMessage } from './provider.js';
import type { ChannelName, SendRequest } from './sender.js';

const PRODUCT_TTL_MS = 2000;
const PRODUCT_CACHE_LIMIT = 10_000;

export interface MessageContentDeps {
  clock: Clock;
  catalog: Pick<CatalogService, 'getProduct'>;
  links: LinkSigner;
  /** Public base URL of this server, for tracking, unsubscribe and confirmation links. */
  publicBaseUrl: string;
  /** Add open pixel and click redirects to email HTML (default true). */
  trackEmail?: boolean;
  recommendations?: RecommendationSlotProvider;
  brands?: Pick<BrandService, 'get'>;
}

/**
 * What a message says and carries, for sends, previews and test sends alike: the template's
 * data (profile, event, cart, coupon, brand, links), its catalog and recommendation lookups,
 * and the outbound message with tracking and unsubscribe headers.
 */
export class MessageContent {
  private readonly products = new Map<string, { value: Promise<SlotProduct | undefined>; at: number }>();

  constructor(private readonly deps: MessageContentDeps) {}

  /** The workspace brand, or the defaults of an unnamed shop when no brand service is wired. */
  async brandOf(workspaceId: string): Promise<BrandView> {
    if (this.deps.brands !== undefined) return this.deps.brands.get(workspaceId);
    return unbranded(workspaceId);
  }

  private unsubscribeUrl(workspaceId: string, profileId: string, channel: ChannelName, messageId: string): string {
    return linkUrls(this.deps.publicBaseUrl).unsubscribe(this.deps.links.sign({ k: 'unsubscribe', w: workspaceId, p: profileId, c: channel, m: messageId }));
  }

  templateData(workspaceId: string, profile: Profile, messageId: string, request: SendRequest, coupon: IssuedCoupon | undefined, brand: BrandView): Record<string, unknown> {
    const unsubscribe = this.unsubscribeUrl(workspaceId, profile.id, request.channel, messageId);
    const traits = profile.traits;
    const data = request.data ?? {};
    const event: unknown = data.event ?? null;
    const eventField = (key: string): unknown => (typeof event === 'object' && event !== null ? Reflect.get(event, key) : undefined);
    const explicitCartUrl = typeof data.cart_url === 'string' && data.cart_url !== '' ? data.cart_url : undefined;
    const explicitShopUrl = typeof data.shop_url === 'string' && data.shop_url !== '' ? data.shop_url : undefined;
    return {
      ...data,
      brand: brandContext(brand),
      shop_url: explicitShopUrl ?? brand.shopUrl,
      // A cart link restores the cart: the cart event's own URL, else the brand's pattern.
      cart_url: explicitCartUrl ?? cartUrl(brand, { cartUrl: eventField('cart_url'), cartId: eventField('cart_id') ?? profile.computed.openCart?.id }),
      profile: {
        ...traits,
        id: profile.id,
        first_name: traits.firstName,
        last_name: traits.lastName,
        traits,
        computed: profile.computed,
        scores: profile.scores,
      },
      event: data.event ?? null,
      cart: data.cart ?? profile.computed.openCart,
      coupon: coupon === undefined ? null : { code: coupon.code, description: coupon.description, offer: coupon.offer, expires_at: coupon.expiresAt },
      message: { id: messageId, channel: request.channel },
      unsubscribe_url: unsubscribe,
      preferences_url: unsubscribe,
    };
  }

  lookups(workspaceId: string, profile: Profile, request: SendRequest): TemplateLookups {
    const product = (id: string): Promise<SlotProduct | undefined> => this.product(workspaceId, id);
    const contextProductIds = [...(profile.computed.openCart?.items.map((item) => item.id) ?? [])];
    contextProductIds.unshift(...eventProductIds(request.data?.event));
    return {
      product,
      recommendations: async (slot, limit) => {
        if (this.deps.recommendations !== undefined) return this.deps.recommendations.recommend({ workspaceId, profileId: profile.id, slot, limit, contextProductIds });
        // Without a recommendations provider: what the person looked at, most recent first.
        const viewed = profile.computed.recentlyViewed.filter((item) => !contextProductIds.includes(item.productId)).slice(0, limit);
        const products = await Promise.all(viewed.map((item) => product(item.productId)));
        return products.filter((entry): entry is SlotProduct => entry !== undefined);
      },
    };
  }

  /**
   * A catalog product for templates. Sends of one campaign name the same few products again
   * and again, so lookups are shared for PRODUCT_TTL_MS (a price change shows within that).
   */
  private product(workspaceId: string, id: string): Promise<SlotProduct | undefined> {
    const key = `${workspaceId}\u0000${id}`;
    const now = this.deps.clock.now();
    const cached = this.products.get(key);
    if (cached !== undefined && now - cached.at < PRODUCT_TTL_MS && now >= cached.at) return cached.value;
    const value = this.deps.catalog
      .getProduct(workspaceId, id)
      .then((entry) =>
        entry === undefined
          ? undefined
          : { id: entry.id, name: entry.name, url: entry.url, image_url: entry.image_url, price: entry.price, currency: entry.currency, category: entry.category, brand: entry.brand },
      );
    if (this.products.size >= PRODUCT_CACHE_LIMIT) this.products.clear();
    this.products.set(key, { value, at: now });
    // A failed lookup is not kept.
    value.catch(() => this.products.delete(key));
    return value;
  }

  outbound(workspaceId: string, profile: Profile, messageId: string, channel: ChannelName, rendered: RenderedMessage, destination: Destination, brand: BrandView): OutboundMessage {
    const message: OutboundMessage = { messageId, workspaceId, to: destination.webhook?.url ?? destination.address, profileId: profile.id, text: rendered.text };
    const from = channel === 'email' ? fromHeader(brand) : undefined;
    if (from !== undefined) message.from = from;
    if (rendered.subject !== undefined) message.subject = rendered.subject;
    if (rendered.title !== undefined) message.title = rendered.title;
    if (rendered.url !== undefined) message.url = rendered.url;
    if (destination.webhook !== undefined) message.webhook = { secret: destination.webhook.secret };
    if (channel === 'email') {
      const unsubscribe = this.unsubscribeUrl(workspaceId, profile.id, channel, messageId);
      // RFC 8058: a mail client may unsubscribe with one POST, no page, no confirmation.
      message.headers = { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
      if (rendered.html !== undefined) {
        message.html =
          this.deps.trackEmail === false
            ? rendered.html
            : addTracking(rendered.html, {
                baseUrl: this.deps.publicBaseUrl,
                openToken: this.deps.links.sign({ k: 'open', w: workspaceId, m: messageId }),
                clickToken: (url) => this.deps.links.sign({ k: 'click', w: workspaceId, m: messageId, u: url }),
              });
      }
    }
    return message;
  }
}

/**
 * The products a triggering event is about, first ones first: `product_id` on the event or its
 * `properties`, then each `properties.products[].product_id` (Segment e-commerce v2 shapes).
 */
function eventProductIds(event: unknown): string[] {
  if (typeof event !== 'object' || event === null) return [];
  const ids: string[] = [];
  const properties: unknown = Reflect.get(event, 'properties');
  for (const holder of [event, properties]) {
    if (typeof holder !== 'object' || holder === null) continue;
    const productId: unknown = Reflect.get(holder, 'product_id');
    if (typeof productId === 'string' && productId !== '') ids.push(productId);
    const products: unknown = Reflect.get(holder, 'products');
    if (!Array.isArray(products)) continue;
    for (const item of products) {
      const id: unknown = typeof item === 'object' && item !== null ? Reflect.get(item, 'product_id') : undefined;
      if (typeof id === 'string' && id !== '') ids.push(id);
    }
  }
  return [...new Set(ids)];
}
