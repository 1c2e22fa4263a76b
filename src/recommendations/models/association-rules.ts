/*
 * Complementary products ("complete the look"): association rules between categories, learned
 * from baskets (Agrawal & Srikant 1994, with lift as the interest measure). Rules are between
 * categories, not items, so a new hat in "Accessories > Hats" inherits "Jackets → Hats" the day
 * it is added to the catalog.
 */

export interface CategoryRule {
  from: string;
  to: string;
  /** Baskets holding both categories / all baskets. */
  support: number;
  /** P(to | from). */
  confidence: number;
  /** confidence / P(to): above 1 means bought together more than chance. */
  lift: number;
}

export interface RuleOptions {
  /** Minimum baskets holding both categories. Default 3. */
  minCount?: number;
  minConfidence?: number;
  /** Default 1 (positively associated only). */
  minLift?: number;
  /** Rules kept per antecedent category. Default 10. */
  maxPerCategory?: number;
}

/**
 * Mines category → category rules from baskets given as lists of categories.
 * @example mineCategoryRules([['Jackets', 'Hats'], ['Jackets', 'Gloves'], ['Hats']], { minCount: 1 })
 */
export function mineCategoryRules(baskets: readonly (readonly string[])[], options: RuleOptions = {}): Map<string, CategoryRule[]> {
  const minCount = options.minCount ?? 3;
  const minConfidence = options.minConfidence ?? 0;
  const minLift = options.minLift ?? 1;
  const maxPerCategory = options.maxPerCategory ?? 10;
  const single = new Map<string, number>();
  const pairs = new Map<string, Map<string, number>>();
  let total = 0;
  for (const basket of baskets) {
    const categories = [...new Set(basket)];
    if (categories.length === 0) continue;
    total++;
    for (const category of categories) single.set(category, (single.get(category) ?? 0) + 1);
    for (const a of categories) {
      let row = pairs.get(a);
      if (row === undefined) {
        row = new Map();
        pairs.set(a, row);
      }
      for (const b of categories) if (a !== b) row.set(b, (row.get(b) ?? 0) + 1);
    }
  }
  const rules = new Map<string, CategoryRule[]>();
  for (const [from, row] of pairs) {
    const fromCount = single.get(from) ?? 0;
    const list: CategoryRule[] = [];
    for (const [to, both] of row) {
      if (both < minCount) continue;
      const confidence = both / fromCount;
      const lift = confidence / ((single.get(to) ?? 0) / total);
      if (confidence < minConfidence || lift < minLift) continue;
      list.push({ from, to, support: both / total, confidence, lift });
    }
    list.sort((a, b) => b.lift * b.confidence - a.lift * a.confidence || (a.to < b.to ? -1 : 1));
    if (list.length > 0) rules.set(from, list.slice(0, maxPerCategory));
  }
  return rules;
}

/**
 * Rules that apply to a product's category: its own, else the nearest parent's
 * (`Apparel > Outerwear > Jackets`, then `Apparel > Outerwear`, then `Apparel`).
 * @example rulesFor(rules, ['Apparel', 'Outerwear', 'Jackets'])
 */
export function rulesFor(rules: ReadonlyMap<string, CategoryRule[]>, categoryPath: readonly string[], separator = ' > '): CategoryRule[] {
  for (let depth = categoryPath.length; depth > 0; depth--) {
    const found = rules.get(categoryPath.slice(0, depth).join(separator));
    if (found !== undefined) return found;
  }
  return [];
}
