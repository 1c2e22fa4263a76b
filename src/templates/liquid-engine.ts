import { Liquid, LiquidError, type Template as LiquidTemplate } from 'liquidjs';
import type { SlotProduct } from './recommendation-slot.js';

/** What templates may look up while rendering, bound to one workspace and person. */
export interface TemplateLookups {
  product(id: string): Promise<SlotProduct | undefined>;
  recommendations(slot: string, limit: number): Promise<SlotProduct[]>;
}

/** Position of a syntax error, 1-based, as the editor shows it. */
export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

const LOOKUPS = '__rapport_lookups';

function lookupsOf(scope: unknown): TemplateLookups | undefined {
  if (typeof scope !== 'object' || scope === null) return undefined;
  const value: unknown = Reflect.get(scope, LOOKUPS);
  if (typeof value === 'object' && value !== null && 'product' in value && 'recommendations' in value) {
    // Narrow adapter: the globals object is ours, set in `render`.
    return value as TemplateLookups;
  }
  return undefined;
}

// Building an Intl.NumberFormat costs far more than formatting with one: keep them.
const formatters = new Map<string, Intl.NumberFormat | null>();

function money(value: unknown, currency: unknown = 'USD', locale: unknown = 'en'): string {
  const amount = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(amount)) return '';
  const code = typeof currency === 'string' && /^[A-Za-z]{3}$/.test(currency) ? currency.toUpperCase() : 'USD';
  const key = `${typeof locale === 'string' ? locale : 'en'}|${code}`;
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    try {
      formatter = new Intl.NumberFormat(typeof locale === 'string' ? locale : 'en', { style: 'currency', currency: code });
    } catch {
      formatter = null;
    }
    if (formatters.size < 1000) formatters.set(key, formatter);
  }
  return formatter === null ? `${amount.toFixed(2)} ${code}` : formatter.format(amount);
}

function createEngine(escapeHtml: boolean): Liquid {
  const engine = new Liquid({
    // Unknown filters are typos: reject them at save. Missing variables render empty, so a
    // profile without a first name gets the `default` fallback, never an error.
    strictFilters: true,
    strictVariables: false,
    outputEscape: escapeHtml ? 'escape' : undefined,
    cache: false,
    // Bounds one render so a runaway loop in a template cannot stall the sender.
    renderLimit: 2000,
    memoryLimit: 16 * 1024 * 1024,
  });
  engine.registerFilter('money', money);
  engine.registerFilter('product', async function (this: { context: { globals: unknown } }, id: unknown) {
    if (typeof id !== 'string' && typeof id !== 'number') return undefined;
    return lookupsOf(this.context.globals)?.product(String(id));
  });
  engine.registerFilter('recommendations', async function (this: { context: { globals: unknown } }, slot: unknown, limit: unknown = 4) {
    const count = typeof limit === 'number' && Number.isInteger(limit) ? Math.min(Math.max(limit, 1), 24) : 4;
    return (await lookupsOf(this.context.globals)?.recommendations(typeof slot === 'string' ? slot : 'default', count)) ?? [];
  });
  return engine;
}

/** HTML output escapes every `{{ }}` (a trait can hold markup); text output does not. */
const htmlEngine = createEngine(true);
const textEngine = createEngine(false);

export type OutputKind = 'html' | 'text';

export type ParsedLiquid = { kind: OutputKind; templates: LiquidTemplate[] };

/**
 * Parses Liquid once; throws a `LiquidSyntaxError` with line and column when it is invalid.
 * @example const parsed = parseLiquid('Hi {{ profile.first_name | default: "there" }}', 'text');
 */
export function parseLiquid(source: string, kind: OutputKind): ParsedLiquid {
  try {
    return { kind, templates: (kind === 'html' ? htmlEngine : textEngine).parse(source) };
  } catch (error) {
    throw new LiquidSyntaxError(problemOf(error));
  }
}

export class LiquidSyntaxError extends Error {
  override name = 'LiquidSyntaxError';
  constructor(readonly problem: SyntaxProblem) {
    super(`line ${problem.line}, column ${problem.column}: ${problem.message}`);
  }
}

function problemOf(error: unknown): SyntaxProblem {
  if (error instanceof LiquidError) {
    const [line, column] = error.token.getPosition();
    // The message repeats the position and a source excerpt after a comma: keep the first clause.
    const message = (error.message.split(', line:')[0] ?? error.message).trim();
    return { line: line ?? 1, column: column ?? 1, message };
  }
  return { line: 1, column: 1, message: error instanceof Error ? error.message : String(error) };
}

/**
 * Renders parsed Liquid with the data and lookups of one send.
 * @example const text = await renderLiquid(parsed, { profile }, lookups);
 */
export async function renderLiquid(parsed: ParsedLiquid, data: Record<string, unknown>, lookups: TemplateLookups): Promise<string> {
  const engine = parsed.kind === 'html' ? htmlEngine : textEngine;
  const output: unknown = await engine.render(parsed.templates, data, { globals: { [LOOKUPS]: lookups } });
  return typeof output === 'string' ? output : String(output);
}
