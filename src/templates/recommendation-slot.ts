/**
 * The seam between templates and the recommendations module: a template asks for a named slot
 * (`{% assign picks = 'cart_complements' | recommendations: 3 %}`) and whatever provider is
 * plugged in fills it. Until the recommendations module registers its provider, the default
 * fills every slot with the person's recently viewed products, which is what a shop shows
 * without a model.
 */
export interface SlotRequest {
  workspaceId: string;
  profileId: string;
  /** The slot name chosen in the template, e.g. `similar`, `cart_complements`, `best_sellers`. */
  slot: string;
  limit: number;
  /** Product ids from the triggering event or the cart, for "goes with" slots. */
  contextProductIds: string[];
}

/** A product as templates see it (Segment e-commerce field names). */
export interface SlotProduct {
  id: string;
  name: string;
  url: string | null;
  image_url: string | null;
  price: number | null;
  currency: string | null;
  category: string | null;
  brand: string | null;
}

export interface RecommendationSlotProvider {
  recommend(request: SlotRequest): Promise<SlotProduct[]>;
}
