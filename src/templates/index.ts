/*
 * The templates module's public surface: what other modules may import from it (ARCHITECTURE.md,
 * "a module uses another module only through its index.ts"). Re-exports only; the Module
 * registration lives in module.ts, which only the composition root imports.
 */
export type { TemplatesModule } from './module.js';
export type { TemplateLookups } from './liquid-engine.js';
export { SlotProductSchema } from './recommendation-slot.js';
export type { RecommendationSlotProvider, SlotProduct, SlotRequest } from './recommendation-slot.js';
export { starterTemplates } from './starters.js';
export { existingTemplateIds, versionsFillingRecommendationSlots } from './store/templates.js';
export { TemplateService } from './template-service.js';
export { RenderedMessageSchema } from './template.js';
export type { RenderedMessage } from './template.js';
