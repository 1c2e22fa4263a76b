import { Type, type Static } from '@sinclair/typebox';
import { SlotProductSchema } from '../templates/index.js';
import { StrategyName } from './rules.js';

/*
 * A recommendation answer: the schema the admin and public routes answer with, the OpenAPI
 * document shows, and the service's type is the `Static` of.
 */

/** One recommended product: the product as templates see it, with where it came from. */
const RecommendedProductSchema = Type.Object({
  ...SlotProductSchema.properties,
  // The catalog may have lost the product's name since training (an id seen only in events).
  name: Type.Union([Type.String(), Type.Null()]),
  strategy: StrategyName,
  score: Type.Number(),
  pinned: Type.Boolean(),
});
export type RecommendedProduct = Static<typeof RecommendedProductSchema>;

export const RecommendationResultSchema = Type.Object(
  {
    recommendation_id: Type.String({ description: 'Send it as properties.recommendation_id on Product Clicked / Product Added / Order Completed to attribute them to the strategy' }),
    strategy: StrategyName,
    profile_id: Type.Union([Type.String(), Type.Null()]),
    items: Type.Array(RecommendedProductSchema),
    training_id: Type.Union([Type.String(), Type.Null()]),
    trained_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'RecommendationResult' },
);
export type RecommendationResult = Static<typeof RecommendationResultSchema>;
