import type { CouponService, OfferRule } from '../coupons/index.js';
import { RapportError } from '../shared/errors.js';
import { starterTemplates, type TemplateService } from '../templates/index.js';
import type { JourneyDefinition } from './definition.js';
import { atDemoPace, recipeNeeds, recipes, type RecipeOptions } from './recipes.js';
import { ownValue } from '../shared/own.js';

/**
 * What installing a recipe with real delivery creates: templates from the starters and coupon
 * pools. Absent when journeys only record what they would send (RAPPORT_JOURNEY_DELIVERY=record).
 */
export interface RecipeSupplies {
  templates: Pick<TemplateService, 'get' | 'create'>;
  coupons: Pick<CouponService, 'getPool' | 'createPool'>;
}

export interface InstallRecipeOptions extends RecipeOptions {
  /** The shop's currency for fixed-amount coupons (ISO 4217, default USD). */
  currency?: string;
}

/** One template or pool the recipe uses, and whether installing it created it. */
export interface InstalledSupply {
  role: string;
  id: string;
  created: boolean;
}

export interface PreparedRecipe {
  definition: JourneyDefinition;
  templates: InstalledSupply[];
  coupons: InstalledSupply[];
}

function notFound(error: unknown): boolean {
  return error instanceof RapportError && error.code === 'not_found';
}

function withCurrency(rule: OfferRule, currency: string): OfferRule {
  switch (rule.kind) {
    case 'fixed':
      return rule.offer.type === 'fixed' ? { kind: 'fixed', offer: { ...rule.offer, currency } } : rule;
    case 'tiers':
      return {
        kind: 'tiers',
        tiers: rule.tiers.map((tier) => (tier.offer.type === 'fixed' ? { ...tier, offer: { ...tier.offer, currency } } : tier)),
        fallback: rule.fallback.type === 'fixed' ? { ...rule.fallback, currency } : rule.fallback,
      };
    case 'mystery':
      return { kind: 'mystery', draws: rule.draws.map((draw) => (draw.offer.type === 'fixed' ? { ...draw, offer: { ...draw.offer, currency } } : draw)) };
  }
}

/**
 * The definition of a recipe with the real ids of what it sends. With `supplies` (real delivery),
 * every template role not overridden gets the recipe's default template, created from its
 * starter when the workspace has none with that id, and every coupon role its default pool
 * (created when missing); overrides must name existing pools. Without `supplies`, the recipe's
 * ids are used as they are (record-only delivery needs no templates).
 * @example const { definition, templates } = await prepareRecipe('ws', 'abandoned-cart', {}, { templates, coupons });
 */
export async function prepareRecipe(workspaceId: string, name: string, options: InstallRecipeOptions = {}, supplies?: RecipeSupplies): Promise<PreparedRecipe> {
  const build = ownValue(recipes, name);
  const needs = ownValue(recipeNeeds, name);
  if (build === undefined || needs === undefined) throw new RapportError('journey.recipe_unknown', `no recipe "${name}"; choose one of ${Object.keys(recipes).join(', ')}`);
  const currency = options.currency ?? 'USD';
  if (!/^[A-Z]{3}$/.test(currency)) throw new RapportError('journey.recipe_option_invalid', `currency must be an ISO 4217 code such as EUR or USD, got "${currency}"`);
  if (options.startAt !== undefined && Number.isNaN(Date.parse(options.startAt)))
    throw new RapportError('journey.recipe_option_invalid', `startAt must be an ISO time such as 2026-12-13T09:00:00Z, got "${options.startAt}"`);
  for (const [kind, given] of [
    ['templates', options.templates],
    ['coupons', options.coupons],
  ] as const) {
    const roles = Object.keys(needs[kind]);
    for (const role of Object.keys(given ?? {})) {
      if (!roles.includes(role))
        throw new RapportError('journey.recipe_role_unknown', `${kind}.${role}: recipe "${name}" has no such role; its ${kind} roles are ${roles.length === 0 ? '(none)' : roles.join(', ')}`);
    }
  }
  const templateIds: Record<string, string> = {};
  const couponIds: Record<string, string> = {};
  const templates: InstalledSupply[] = [];
  const coupons: InstalledSupply[] = [];
  for (const [role, need] of Object.entries(needs.templates)) {
    const given = options.templates?.[role];
    if (given !== undefined || supplies === undefined) {
      templateIds[role] = given ?? need.id;
      templates.push({ role, id: given ?? need.id, created: false });
      continue;
    }
    const starter = starterTemplates.find((entry) => entry.key === need.starter);
    if (starter === undefined) throw new Error(`recipe ${name} names the starter ${need.starter}, which does not exist`);
    const existing = await supplies.templates.get(workspaceId, need.id).catch((error: unknown) => {
      if (notFound(error)) return undefined;
      throw error;
    });
    if (existing !== undefined && existing.channel !== starter.channel) {
      throw new RapportError(
        'template.channel_mismatch',
        `templates.${role}: template "${need.id}" exists for ${existing.channel}, but recipe "${name}" sends ${starter.channel} there; pass templates.${role} naming a ${starter.channel} template`,
      );
    }
    let created = false;
    if (existing === undefined) {
      try {
        await supplies.templates.create(workspaceId, { name: starter.name, channel: starter.channel, source: starter.source }, need.id);
        created = true;
      } catch (error) {
        // Installed at the same moment by another request: use that one.
        if (!(error instanceof RapportError && error.code === 'conflict')) throw error;
      }
    }
    templateIds[role] = need.id;
    templates.push({ role, id: need.id, created });
  }
  for (const [role, need] of Object.entries(needs.coupons)) {
    const given = options.coupons?.[role];
    if (supplies === undefined) {
      couponIds[role] = given ?? need.id;
      coupons.push({ role, id: given ?? need.id, created: false });
      continue;
    }
    const id = given ?? need.id;
    const existing = await supplies.coupons.getPool(workspaceId, id).catch((error: unknown) => {
      if (notFound(error)) return undefined;
      throw error;
    });
    let created = false;
    if (existing === undefined) {
      if (given !== undefined)
        throw new RapportError('journey.coupon_pool_unknown', `coupons.${role}: no coupon pool "${given}"; create it (POST /api/v1/coupons/pools) or leave the role out to get the default pool`);
      try {
        await supplies.coupons.createPool(workspaceId, { name: need.name, prefix: need.prefix, rule: withCurrency(need.rule, currency), expiresAfterDays: need.expiresAfterDays }, id);
        created = true;
      } catch (error) {
        if (!(error instanceof RapportError && error.code === 'conflict')) throw error;
      }
    }
    couponIds[role] = id;
    coupons.push({ role, id, created });
  }
  const built = build({ ...options, templates: templateIds, coupons: couponIds });
  const definition = options.pace === 'demo' ? atDemoPace(built) : built;
  return { definition, templates, coupons };
}
