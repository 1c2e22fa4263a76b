import { Context, Liquid, LiquidError, Tag, toValueSync, type Template as LiquidTemplate } from 'liquidjs';
import { RapportError } from '../shared/errors.js';
import type { SlotProduct } from './recommendation-slot.js';
import { RenderLimitError, RenderMeter, defaultRenderLimits, meterRenders } from './render-budget.js';
import { SNIPPET_ROOT, SnippetNotFoundError, isSnippetName, noSnippets, snippetCache, snippetFs, withSnippets, type SnippetSet } from './snippet-fs.js';

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
const METER = '__rapport_meter';

/** A lookup (catalog, recommendations) that failed: the store's fault, not the template's. */
class LookupFailure extends Error {
  override name = 'LookupFailure';
  constructor(readonly failure: unknown) {
    super('a template lookup failed');
  }
}

async function lookup<T>(work: () => Promise<T> | undefined): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    throw new LookupFailure(error);
  }
}

function meterOf(globals: unknown): RenderMeter | undefined {
  if (typeof globals !== 'object' || globals === null) return undefined;
  const value: unknown = Reflect.get(globals, METER);
  return value instanceof RenderMeter ? value : undefined;
}

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
    ownPropertyOnly: true,
    outputEscape: escapeHtml ? 'escape' : undefined,
    // The sandbox: include/render/layout read only the rendering workspace's snippets, from
    // memory. No root on disk, no relative paths, no file extension guessing.
    fs: snippetFs,
    root: [SNIPPET_ROOT],
    partials: [SNIPPET_ROOT],
    layouts: [SNIPPET_ROOT],
    relativeReference: false,
    jekyllInclude: false,
    extname: '',
    // Quoted names as in Shopify (`{% render 'footer' %}`); unquoted (computed) names are
    // refused at save by `snippetReferences`.
    dynamicPartials: true,
    cache: snippetCache(escapeHtml ? 'html' : 'text'),
    // Render time and output are metered per message (render-budget.ts); these are liquidjs's
    // own backstops: a wall-clock deadline, allocations by filters and ranges, source size.
    renderLimit: 10_000,
    memoryLimit: 2_000_000,
    parseLimit: 4_000_000,
  });
  meterRenders(engine, meterOf);
  engine.registerFilter('money', money);
  engine.registerFilter('product', async function (this: { context: { globals: unknown } }, id: unknown) {
    if (typeof id !== 'string' && typeof id !== 'number') return undefined;
    const lookups = lookupsOf(this.context.globals);
    return lookup(() => lookups?.product(String(id)));
  });
  engine.registerFilter('recommendations', async function (this: { context: { globals: unknown } }, slot: unknown, limit: unknown = 4) {
    const count = typeof limit === 'number' && Number.isInteger(limit) ? Math.min(Math.max(limit, 1), 24) : 4;
    const lookups = lookupsOf(this.context.globals);
    return (await lookup(() => lookups?.recommendations(typeof slot === 'string' ? slot : 'default', count))) ?? [];
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
    return { line: line ?? 1, column: column ?? 1, message: firstClause(error.message) };
  }
  return { line: 1, column: 1, message: error instanceof Error ? error.message : String(error) };
}

/** Where a template includes a snippet, as written. */
export interface SnippetReference {
  tag: string;
  /** The quoted name, or undefined when the name is computed (refused). */
  name: string | undefined;
  line: number;
  column: number;
}

const includeTags = new Set(['include', 'render', 'layout']);

/**
 * Every include/render/layout in parsed Liquid, nested blocks included (snippets' own
 * references are not followed: each snippet is checked when it is saved).
 * @example snippetReferences(parseLiquid("{% render 'footer' %}", 'html')) // [{ tag: 'render', name: 'footer', line: 1, column: 1 }]
 */
export function snippetReferences(parsed: ParsedLiquid): SnippetReference[] {
  const found: SnippetReference[] = [];
  const visit = (templates: LiquidTemplate[]): void => {
    for (const template of templates) {
      const tag = template instanceof Tag ? template.name : undefined;
      if (tag !== undefined && includeTags.has(tag)) {
        const [line, column] = template.token.getPosition();
        const scope = template.partialScope?.();
        // `{% layout none %}` has no file at all: nothing to include.
        const none = tag === 'layout' && 'file' in template && template.file === undefined;
        if (!none) found.push({ tag, name: scope?.name, line: line ?? 1, column: column ?? 1 });
      }
      if (template.children !== undefined) visit(toValueSync(template.children(false, true)));
    }
  };
  visit(parsed.templates);
  return found;
}

/** Options of one render: the workspace's snippets and the meter shared by a message's fields. */
export interface RenderOptions {
  snippets?: SnippetSet;
  meter?: RenderMeter;
}

/**
 * Renders parsed Liquid with the data and lookups of one send. A template's own failures
 * (limits, a missing snippet, a filter refusing its input) become a `RapportError` with code
 * `template_render_limit` or `template_render_error` (422) whose message keeps the position
 * in the template and nothing of its source; a failed lookup rethrows the lookup's error.
 * @example const text = await renderLiquid(parsed, { profile }, lookups, { snippets });
 */
export async function renderLiquid(parsed: ParsedLiquid, data: Record<string, unknown>, lookups: TemplateLookups, options: RenderOptions = {}): Promise<string> {
  const engine = parsed.kind === 'html' ? htmlEngine : textEngine;
  const meter = options.meter ?? new RenderMeter(defaultRenderLimits);
  try {
    const context = new Context(data, engine.options, { globals: { [LOOKUPS]: lookups, [METER]: meter } }, { liquid: engine });
    // liquidjs counts allocations against a total; the meter also refuses any single one too
    // large to build between two checkpoints.
    const limiter = context.memoryLimit;
    const use = limiter.use.bind(limiter);
    limiter.use = (count: number) => {
      meter.allocate(count);
      use(count);
    };
    const output: unknown = await withSnippets(options.snippets ?? noSnippets, () => engine.render(parsed.templates, context));
    return typeof output === 'string' ? output : String(output);
  } catch (error) {
    throw renderProblem(error);
  }
}

/** What the author is told about a failed render: the cause in one clause and where it happened. */
export function renderProblem(error: unknown): Error {
  let cause: unknown = error;
  let where = '';
  while (cause instanceof LiquidError) {
    if (where === '') where = positionOf(cause);
    if (cause.originalError === undefined) break;
    cause = cause.originalError;
  }
  if (cause instanceof LookupFailure) return cause.failure instanceof Error ? cause.failure : new Error(String(cause.failure));
  if (cause instanceof RapportError) return cause;
  if (cause instanceof RenderLimitError) return new RapportError('template_render_limit', `${cause.message}${where}`);
  const message = cause instanceof Error ? cause.message : String(cause);
  const clause = firstClause(message);
  if (/^(template render|memory alloc|parse length) limit exceeded$/.test(clause)) {
    const what = clause.startsWith('memory')
      ? 'filters and ranges allocated too much; use smaller ranges and lists'
      : clause.startsWith('parse')
        ? 'the template source is too long'
        : 'rendering took too long';
    return new RapportError('template_render_limit', `render limit: ${what}${where}`);
  }
  if (cause instanceof SnippetNotFoundError) return new RapportError('template_render_error', `${cause.message}${where}`);
  return new RapportError('template_render_error', `the template failed to render: ${clause}${where}`);
}

function positionOf(error: LiquidError): string {
  const [line, column] = error.token.getPosition();
  const file = error.token.file;
  const snippet = file !== undefined && file.startsWith('snippet:') ? file.slice('snippet:'.length) : undefined;
  return ` (${snippet !== undefined && isSnippetName(snippet) ? `snippet ${snippet}, ` : ''}line ${line ?? 1}, column ${column ?? 1})`;
}

/**
 * The first clause of an error message, bounded: liquidjs appends positions and source
 * excerpts after a comma or on further lines, and a message must never carry source or file
 * bytes, so only printable text up to 200 characters is kept.
 */
function firstClause(message: string): string {
  const first = (message.split('\n')[0] ?? '').split(', line:')[0]?.split(', file:')[0] ?? '';
  const printable = first.replace(/[^\x20-\x7e]/g, '?').trim();
  return printable.length > 200 ? `${printable.slice(0, 200)}...` : printable;
}
