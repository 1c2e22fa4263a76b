import { AsyncLocalStorage } from 'node:async_hooks';
import type { FS, LiquidOptions, Template as LiquidTemplate } from 'liquidjs';

/**
 * A snippet name: lower-case letters, digits, `_` and `-`, so no path fits; `constructor` and
 * `prototype` are reserved so a name can never be mistaken for an object's own machinery.
 */
export const SNIPPET_NAME_PATTERN = '^(?!(?:constructor|prototype)$)[a-z0-9][a-z0-9_-]{0,63}$';
const snippetName = new RegExp(SNIPPET_NAME_PATTERN);

/** @example isSnippetName('product-card') // true; isSnippetName('../.env') // false */
export function isSnippetName(name: string): boolean {
  return snippetName.test(name);
}

/** The virtual directory liquidjs is told partials and layouts live in; nothing is on disk. */
export const SNIPPET_ROOT = 'snippets';
const PREFIX = 'snippet:';

type ParsedCache = Map<string, LiquidTemplate[] | Promise<LiquidTemplate[]>>;

/**
 * The snippets one render may include: the current version of each of one workspace's
 * snippets. Immutable; a save anywhere produces a new set, so parsed snippets cached here can
 * never be served to another workspace or outlive the source they came from.
 */
export class SnippetSet {
  private readonly parsedByEngine = new Map<string, ParsedCache>();

  constructor(
    readonly workspaceId: string,
    private readonly sources: ReadonlyMap<string, string>,
  ) {}

  source(name: string): string | undefined {
    return this.sources.get(name);
  }

  has(name: string): boolean {
    return this.sources.has(name);
  }

  names(): string[] {
    return [...this.sources.keys()];
  }

  /** Parsed snippets for one engine (HTML and text engines escape differently). */
  parsed(engine: string): ParsedCache {
    let cache = this.parsedByEngine.get(engine);
    if (cache === undefined) {
      cache = new Map();
      this.parsedByEngine.set(engine, cache);
    }
    return cache;
  }
}

export const noSnippets = new SnippetSet('', new Map());

/** Raised when a template includes a snippet the rendering workspace does not have. */
export class SnippetNotFoundError extends Error {
  override name = 'SnippetNotFoundError';
  constructor(readonly snippet: string) {
    super(
      isSnippetName(snippet)
        ? `snippet "${snippet}" does not exist; create it with PUT /api/v1/snippets/${snippet}`
        : `include, render and layout name a snippet of this workspace (names match ${SNIPPET_NAME_PATTERN}); files are never read`,
    );
  }
}

const current = new AsyncLocalStorage<SnippetSet>();

/**
 * Runs `work` (a render) with `snippets` as the only files its templates can include. The
 * scope follows the render through every await, so concurrent renders of different
 * workspaces each see their own set.
 * @example const html = await withSnippets(set, () => engine.render(templates, data));
 */
export function withSnippets<T>(snippets: SnippetSet, work: () => T): T {
  return current.run(snippets, work);
}

function nameOf(file: string): string {
  return file.startsWith(PREFIX) ? file.slice(PREFIX.length) : file;
}

function read(file: string): string {
  const name = nameOf(file);
  const source = isSnippetName(name) ? current.getStore()?.source(name) : undefined;
  if (source === undefined) throw new SnippetNotFoundError(name);
  return source;
}

/**
 * liquidjs's file system, replaced: `{% include %}`, `{% render %}` and `{% layout %}` resolve a
 * name to `snippet:<name>` and read it from the rendering workspace's snippets. There is no
 * path to resolve and no disk to read, so `.env`, `/etc/passwd` or `../data/rapport.db` are
 * just names that no snippet has.
 */
export const snippetFs: FS = {
  resolve: (_dir, file) => PREFIX + file,
  // Every name is "contained" and "exists" so that lookups reach `readFile`, which refuses
  // with one clear error instead of liquidjs's ENOENT message listing directories.
  contains: async () => true,
  containsSync: () => true,
  exists: async () => true,
  existsSync: () => true,
  readFile: async (file) => read(file),
  readFileSync: read,
  sep: '/',
  dirname: () => SNIPPET_ROOT,
};

type LiquidCache = Exclude<LiquidOptions['cache'], boolean | number | undefined>;

/**
 * liquidjs's partial cache, kept inside the current `SnippetSet`: its keys (`partials:footer`)
 * name no workspace, so a process-wide cache would hand one workspace's footer to another.
 */
export function snippetCache(engine: string): LiquidCache {
  return {
    read: (key) => current.getStore()?.parsed(engine).get(key),
    write: (key, value) => {
      current.getStore()?.parsed(engine).set(key, value);
    },
    remove: (key) => {
      current.getStore()?.parsed(engine).delete(key);
    },
  };
}
