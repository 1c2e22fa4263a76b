import { Type, type Static, type TSchema } from '@sinclair/typebox';

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

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A product as templates see it (Segment e-commerce field names); recommendation answers extend it. */
export const SlotProductSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Nullable(Type.String()),
  image_url: Nullable(Type.String()),
  price: Nullable(Type.Number()),
  currency: Nullable(Type.String()),
  category: Nullable(Type.String()),
  brand: Nullable(Type.String()),
});
export type SlotProduct = Static<typeof SlotProductSchema>;

export interface RecommendationSlotProvider {
  recommend(request: SlotRequest): Promise<SlotProduct[]>;
}
