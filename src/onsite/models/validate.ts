import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FieldIssue } from '../../shared/errors.js';
import { ownValue } from '../../shared/own.js';
import { CampaignInputSchema, FrequencySchema, ruleSchemas, triggerSchemas, type CampaignInput, type Content, type WidgetType } from '../campaign.js';
import { regexProblem } from './pattern-safety.js';
import { strategyNames } from '../../recommendations/index.js';

/*
 * Validation of a campaign at save, pure: every problem comes back as a value naming the path
 * of the bad field (`body.triggers[1].type`), so the editor can point at it. Shape first
 * (discriminated unions explained by their `type`), then what a schema cannot say: URL patterns
 * that do not compile or backtrack, the fields each widget type needs, impossible caps.
 */

const issue = (field: string, rule: string, message: string): FieldIssue => ({ field, rule, message });

/** `/triggers/0/type` → `body.triggers[0].type`. */
function fieldOf(prefix: string, pointer: string): string {
  return pointer
    .split('/')
    .filter((part) => part !== '')
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : `${path}.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`), prefix);
}

function schemaIssues(schema: TSchema, value: unknown, prefix: string): FieldIssue[] {
  const seen = new Set<string>();
  const out: FieldIssue[] = [];
  for (const error of Value.Errors(schema, value)) {
    const field = fieldOf(prefix, error.path);
    if (seen.has(field)) continue;
    seen.add(field);
    out.push(issue(field, 'schema', error.message));
  }
  return out;
}

const get = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key) ? Reflect.get(value, key) : undefined);

/** Items of a discriminated union: an unknown `type` is named as such, a known one checked against its own schema. */
function unionIssues(items: unknown, schemas: Readonly<Record<string, TSchema>>, prefix: string, what: string): FieldIssue[] {
  if (!Array.isArray(items)) return [];
  return items.flatMap((item, index) => {
    const type = get(item, 'type');
    const schema = typeof type === 'string' ? ownValue(schemas, type) : undefined;
    if (schema === undefined) return [issue(`${prefix}[${index}].type`, 'enum', `unknown ${what} ${JSON.stringify(type)}; use one of ${Object.keys(schemas).join(', ')}`)];
    return schemaIssues(schema, item, `${prefix}[${index}]`);
  });
}

/** Shape problems, with unions reported by their discriminator instead of every branch. */
function shapeIssues(input: unknown): FieldIssue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [issue('body', 'type', 'must be a campaign object')];
  const unions = [...unionIssues(get(input, 'triggers'), triggerSchemas, 'body.triggers', 'trigger'), ...unionIssues(get(input, 'audience'), ruleSchemas, 'body.audience', 'audience rule')];
  const caps = get(input, 'caps');
  const frequency = get(caps, 'frequency');
  if (caps !== undefined && frequency !== undefined && !Value.Check(FrequencySchema, frequency)) {
    const every = get(frequency, 'everyMinutes');
    unions.push(
      typeof frequency === 'object' && frequency !== null
        ? issue('body.caps.frequency.everyMinutes', 'exclusiveMinimum', `must be a number of minutes greater than 0, got ${JSON.stringify(every)}`)
        : issue('body.caps.frequency', 'enum', `must be "once", "session", "always" or { everyMinutes }, got ${JSON.stringify(frequency)}`),
    );
  }
  const rest = schemaIssues(CampaignInputSchema, input, 'body').filter((found) => !/^body\.(triggers|audience)\[\d+\]/.test(found.field) && !found.field.startsWith('body.caps.frequency'));
  return [...unions, ...rest];
}

type FieldCheck = (content: Content) => string | undefined;
const needs =
  (...fields: (keyof Content)[]): FieldCheck =>
  (content) =>
    fields.find((field) => content[field] === undefined);
const oneOf =
  (...fields: (keyof Content)[]): FieldCheck =>
  (content) =>
    fields.some((field) => content[field] !== undefined) ? undefined : fields.join('|');

/** What each widget type cannot render without (per variant and locale). */
const templateFields: Readonly<Record<WidgetType, readonly FieldCheck[]>> = {
  hello_bar: [needs('headline')],
  side_coupon: [needs('headline', 'coupon')],
  popup: [needs('headline'), oneOf('cta', 'capture', 'steps', 'coupon')],
  floating_icon: [needs('cta')],
  scratch_coupon: [needs('headline', 'coupon')],
  free_shipping_bar: [needs('threshold', 'currency', 'progressText', 'reachedText')],
  countdown: [needs('headline', 'endsAt')],
  survey: [needs('questions')],
  recommendations: [needs('headline', 'strategy', 'count')],
  banner: [oneOf('headline', 'imageUrl')],
  push_prompt: [needs('headline', 'cta')],
  inbox: [needs('headline')],
};

function contentIssues(input: CampaignInput): FieldIssue[] {
  const out: FieldIssue[] = [];
  input.variants.forEach((variant, v) => {
    const locales = Object.keys(variant.content);
    if (!locales.includes(input.defaultLocale)) out.push(issue(`body.variants[${v}].content`, 'required', `has no content in the default locale "${input.defaultLocale}"`));
    for (const locale of locales) {
      const content = ownValue(variant.content, locale);
      if (content === undefined) continue;
      const at = `body.variants[${v}].content.${locale}`;
      for (const check of templateFields[input.type]) {
        const missing = check(content);
        if (missing !== undefined) out.push(issue(`${at}.${missing}`, 'required', `a ${input.type} needs ${missing.replace(/\|/g, ' or ')}`));
      }
      if (content.strategy !== undefined && !strategyNames.some((name) => name === content.strategy))
        out.push(issue(`${at}.strategy`, 'enum', `unknown strategy "${content.strategy}"; use one of ${strategyNames.join(', ')}`));
      content.questions?.forEach((question, q) => {
        const choice = question.kind === 'single' || question.kind === 'multi';
        if (choice && question.options === undefined) out.push(issue(`${at}.questions[${q}].options`, 'required', `a ${question.kind} question needs options`));
      });
      if (content.capture !== undefined && content.capture.fields.length !== new Set(content.capture.fields).size) out.push(issue(`${at}.capture.fields`, 'uniqueItems', 'lists a field twice'));
    }
  });
  return out;
}

function ruleIssues(input: CampaignInput): FieldIssue[] {
  const out: FieldIssue[] = [];
  input.audience.forEach((rule, index) => {
    const at = `body.audience[${index}]`;
    if (rule.type === 'url' && rule.match === 'regex') {
      const problem = regexProblem(rule.value);
      if (problem !== undefined) out.push(issue(`${at}.value`, 'pattern', `the regular expression ${problem}; use a glob (/products/*) or a simpler pattern`));
    }
    if ((rule.type === 'visits' || rule.type === 'pages_this_session') && rule.min !== undefined && rule.max !== undefined && rule.min > rule.max)
      out.push(issue(`${at}.min`, 'range', `min ${rule.min} is above max ${rule.max}`));
    if (rule.type === 'cart' && rule.minValue !== undefined && rule.maxValue !== undefined && rule.minValue > rule.maxValue)
      out.push(issue(`${at}.minValue`, 'range', `minValue ${rule.minValue} is above maxValue ${rule.maxValue}`));
    if (rule.type === 'segment' && (rule.allow ?? []).length === 0 && (rule.deny ?? []).length === 0) out.push(issue(`${at}.allow`, 'required', 'name at least one segment to allow or deny'));
  });
  return out;
}

function structureIssues(input: CampaignInput): FieldIssue[] {
  const out: FieldIssue[] = [];
  const keys = new Set<string>();
  input.variants.forEach((variant, index) => {
    if (keys.has(variant.key)) out.push(issue(`body.variants[${index}].key`, 'unique', `variant key "${variant.key}" is used twice`));
    keys.add(variant.key);
  });
  const { startAt, endAt } = input.schedule ?? {};
  for (const [name, value] of [
    ['startAt', startAt],
    ['endAt', endAt],
  ] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) out.push(issue(`body.schedule.${name}`, 'format', `"${value}" is not a real date and time`));
  }
  if (startAt !== undefined && endAt !== undefined && Date.parse(endAt) <= Date.parse(startAt)) out.push(issue('body.schedule.endAt', 'range', 'must be after schedule.startAt'));
  if ((input.type === 'banner' || input.type === 'recommendations') && input.slot === undefined)
    out.push(issue('body.slot', 'required', `a ${input.type} fills a reserved slot: give its CSS selector`));
  if (input.caps.frequency === 'once' && input.caps.maxViews !== undefined && input.caps.maxViews > 1)
    out.push(issue('body.caps.maxViews', 'range', 'frequency "once" shows at most one view; drop maxViews or choose another frequency'));
  if (input.doubleOptIn !== undefined && !input.variants.some((variant) => Object.values(variant.content).some((content) => content.capture?.fields.includes('email') === true))) {
    out.push(issue('body.doubleOptIn', 'unused', 'double opt-in needs a variant that captures an email'));
  }
  return out;
}

/**
 * Every problem of a campaign definition, or the typed campaign when there is none.
 * @example const checked = checkCampaign(body); if (!checked.ok) throw new RapportError('invalid_request', ..., checked.issues);
 */
export function checkCampaign(input: unknown): { ok: true; campaign: CampaignInput } | { ok: false; issues: FieldIssue[] } {
  const shape = shapeIssues(input);
  if (shape.length > 0 || !Value.Check(CampaignInputSchema, input)) return { ok: false, issues: shape.length > 0 ? shape : [issue('body', 'schema', 'is not a valid campaign')] };
  const issues = [...structureIssues(input), ...ruleIssues(input), ...contentIssues(input)];
  return issues.length > 0 ? { ok: false, issues } : { ok: true, campaign: input };
}

/** Ids a campaign refers to that must exist in its own workspace, with the path naming each. */
export function referencesOf(campaign: CampaignInput): { segments: { id: string; field: string }[]; pools: { id: string; field: string }[] } {
  const segments = campaign.audience.flatMap((rule, index) =>
    rule.type === 'segment'
      ? [...(rule.allow ?? []).map((id, i) => ({ id, field: `body.audience[${index}].allow[${i}]` })), ...(rule.deny ?? []).map((id, i) => ({ id, field: `body.audience[${index}].deny[${i}]` }))]
      : [],
  );
  const pools = campaign.variants.flatMap((variant, v) =>
    Object.entries(variant.content).flatMap(([locale, content]) => (content.coupon === undefined ? [] : [{ id: content.coupon.pool, field: `body.variants[${v}].content.${locale}.coupon.pool` }])),
  );
  return { segments, pools };
}
