import type { Clock } from '../shared/clock.js';
import { RapportError, type FieldIssue } from '../shared/errors.js';
import type { Database } from '../storage/database.js';
import {
  deleteSnippet,
  findSnippet,
  findSnippetVersion,
  insertSnippetVersion,
  listCurrentSnippetSources,
  listSnippetVersions,
  listSnippets,
  type SnippetRecord,
  type SnippetVersionRecord,
} from './store/snippets.js';
import { snippetIssues } from './compile.js';
import { LiquidSyntaxError, parseLiquid, snippetReferences } from './liquid-engine.js';
import { SNIPPET_NAME_PATTERN, SnippetSet, isSnippetName } from './snippet-fs.js';
import type { Snippet, SnippetDetail, SnippetInput, SnippetVersion, SnippetVersionSummary } from './snippet.js';

/** Templates that include a snippet, as a 409 names them. */
export type SnippetUsers = (workspaceId: string, name: string) => Promise<{ id: string; name: string }[]>;

export interface SnippetServiceDeps {
  database: Database;
  clock: Clock;
  /** Which templates include a snippet (the template service answers). */
  templatesUsing: SnippetUsers;
  /** Most snippets one workspace may hold (default 200: with 50,000 characters each, a workspace's set stays under 10 MB in memory). */
  maxSnippets?: number;
}

const SET_TTL_MS = 1000;
const SET_CACHE_LIMIT = 200;

const iso = (t: number): string => new Date(t).toISOString();

function checkName(name: string): void {
  if (!isSnippetName(name)) {
    throw new RapportError('snippet.name_invalid', `name must match ${SNIPPET_NAME_PATTERN} (lower-case letters, digits, _ and -)`, [
      { field: 'name', rule: 'pattern', message: `must match ${SNIPPET_NAME_PATTERN}` },
    ]);
  }
}

function toSnippet(record: SnippetRecord): Snippet {
  return { name: record.name, description: record.description, version: record.currentVersion, createdAt: iso(record.createdAt), updatedAt: iso(record.updatedAt) };
}

function toSummary(record: Omit<SnippetVersionRecord, 'source'>): SnippetVersionSummary {
  return { name: record.name, version: record.version, description: record.description, restoredFrom: record.restoredFrom, createdAt: iso(record.createdAt) };
}

/** The snippets a source includes by quoted name (unparseable sources include none). */
function includedNames(source: string): string[] {
  try {
    return snippetReferences(parseLiquid(source, 'text')).flatMap((reference) => (reference.name === undefined ? [] : [reference.name]));
  } catch (error) {
    if (error instanceof LiquidSyntaxError) return [];
    throw error;
  }
}

/**
 * Snippets: reusable named Liquid blocks of a workspace (header, footer, product card) that
 * templates include with `{% render 'footer' %}`. Every save is a new version (list, read,
 * restore); a save is checked like a template (syntax with line and column, included
 * snippets exist, no cycle); a snippet still included by a template or snippet cannot be
 * deleted. Renders read the current versions through `current`, the only files a template
 * can ever include.
 * @example
 * const snippets = new SnippetService({ database, clock, templatesUsing: async () => [] });
 * await snippets.save('ws', 'footer', { source: '<p>{{ shop.name }}</p>' });
 */
export class SnippetService {
  private readonly sets = new Map<string, { set: SnippetSet; at: number }>();

  constructor(private readonly deps: SnippetServiceDeps) {}

  async list(workspaceId: string): Promise<Snippet[]> {
    return (await listSnippets(this.deps.database.db, workspaceId)).map(toSnippet);
  }

  async get(workspaceId: string, name: string): Promise<SnippetDetail> {
    checkName(name);
    const record = await findSnippet(this.deps.database.db, workspaceId, name);
    if (record === undefined) throw new RapportError('not_found', `no snippet "${name}"`);
    const version = await findSnippetVersion(this.deps.database.db, workspaceId, name, record.currentVersion);
    if (version === undefined) throw new Error(`snippet ${name} has no version ${record.currentVersion}`);
    return { ...toSnippet(record), source: version.source };
  }

  /** Creates a snippet; 409 when the name is taken (PUT saves a new version instead). */
  async create(workspaceId: string, name: string, input: SnippetInput): Promise<SnippetDetail> {
    checkName(name);
    if ((await findSnippet(this.deps.database.db, workspaceId, name)) !== undefined)
      throw new RapportError('conflict', `snippet "${name}" already exists; PUT /api/v1/snippets/${name} saves a new version`);
    return (await this.save(workspaceId, name, input)).snippet;
  }

  /**
   * Saves a new version (creating the snippet on its first save) and makes it current: every
   * template including it renders it from now on (other servers within a second).
   */
  /**
   * Saves the next version. With `expectedVersion` (the version the editor read), a snippet saved
   * by someone else since answers `snippet.edit_conflict` instead of burying their version.
   */
  async save(workspaceId: string, name: string, input: SnippetInput, options: { restoredFrom?: number; expectedVersion?: number } = {}): Promise<{ snippet: SnippetDetail; created: boolean }> {
    const restoredFrom = options.restoredFrom ?? null;
    checkName(name);
    const existing = await this.current(workspaceId, true);
    this.check(existing, name, input.source);
    const before = await findSnippet(this.deps.database.db, workspaceId, name);
    const max = this.deps.maxSnippets ?? 200;
    if (before === undefined && existing.names().length >= max) {
      throw new RapportError('conflict', `this workspace has ${max} snippets, the most it may hold; delete unused ones first`);
    }
    if (options.expectedVersion !== undefined && options.expectedVersion !== (before?.currentVersion ?? 0)) throw editConflict(name, before?.currentVersion ?? 0);
    const now = this.deps.clock.now();
    const version: SnippetVersionRecord = {
      name,
      version: (before?.currentVersion ?? 0) + 1,
      source: input.source,
      description: input.description ?? before?.description ?? '',
      restoredFrom,
      createdAt: now,
    };
    try {
      await this.deps.database.transaction(async (trx) => {
        const current = await findSnippet(trx, workspaceId, name);
        const stored = current?.currentVersion ?? 0;
        if (stored !== version.version - 1)
          throw options.expectedVersion === undefined ? new RapportError('conflict', `snippet "${name}" was saved by someone else meanwhile; reload it and save again`) : editConflict(name, stored);
        await insertSnippetVersion(trx, workspaceId, version);
      });
    } catch (error) {
      // Two saves racing for one version number: the loser hits the primary key.
      if (!(error instanceof RapportError) && (await findSnippetVersion(this.deps.database.db, workspaceId, name, version.version)) !== undefined) {
        const latest = (await findSnippet(this.deps.database.db, workspaceId, name))?.currentVersion ?? version.version;
        throw options.expectedVersion === undefined ? new RapportError('conflict', `snippet "${name}" was saved by someone else meanwhile; reload it and save again`) : editConflict(name, latest);
      }
      throw error;
    } finally {
      this.sets.delete(workspaceId);
    }
    const createdAt = before?.createdAt ?? now;
    return {
      snippet: { name, description: version.description, version: version.version, createdAt: iso(createdAt), updatedAt: iso(now), source: input.source },
      created: before === undefined,
    };
  }

  async versions(workspaceId: string, name: string): Promise<SnippetVersionSummary[]> {
    checkName(name);
    const rows = await listSnippetVersions(this.deps.database.db, workspaceId, name);
    if (rows.length === 0) throw new RapportError('not_found', `no snippet "${name}"`);
    return rows.map(toSummary);
  }

  async version(workspaceId: string, name: string, version: number): Promise<SnippetVersion> {
    checkName(name);
    const record = await findSnippetVersion(this.deps.database.db, workspaceId, name, version);
    if (record === undefined) throw new RapportError('not_found', `snippet "${name}" has no version ${version}`);
    return { ...toSummary(record), source: record.source };
  }

  /** Makes an old version current again, as a new version (history is never rewritten). */
  async restore(workspaceId: string, name: string, version: number): Promise<SnippetDetail> {
    const old = await this.version(workspaceId, name, version);
    return (await this.save(workspaceId, name, { source: old.source, description: old.description }, { restoredFrom: version })).snippet;
  }

  /** Deletes a snippet with its versions; refused (409) while templates or snippets include it. */
  async delete(workspaceId: string, name: string): Promise<void> {
    checkName(name);
    const [templates, set] = await Promise.all([this.deps.templatesUsing(workspaceId, name), this.current(workspaceId, true)]);
    if (!set.has(name)) throw new RapportError('not_found', `no snippet "${name}"`);
    const snippets = set.names().filter((other) => other !== name && includedNames(set.source(other) ?? '').includes(name));
    if (templates.length > 0 || snippets.length > 0) {
      const users = [...templates.map((template) => `template "${template.name}" (${template.id})`), ...snippets.map((snippet) => `snippet "${snippet}"`)];
      throw new RapportError('conflict', `snippet "${name}" is included by ${users.join(', ')}; remove it from them first`, [
        ...templates.map((template) => ({ field: `templates.${template.id}`, rule: 'snippet_in_use', message: `template "${template.name}" includes it` })),
        ...snippets.map((snippet) => ({ field: `snippets.${snippet}`, rule: 'snippet_in_use', message: `snippet "${snippet}" includes it` })),
      ]);
    }
    try {
      if (!(await this.deps.database.transaction((trx) => deleteSnippet(trx, workspaceId, name)))) throw new RapportError('not_found', `no snippet "${name}"`);
    } finally {
      this.sets.delete(workspaceId);
    }
  }

  /** Names of a workspace's snippets (what a template save may include). */
  async names(workspaceId: string): Promise<Set<string>> {
    return new Set((await this.current(workspaceId, true)).names());
  }

  /**
   * The current versions of a workspace's snippets, for rendering: read at most once a second
   * per workspace (at once after a save here), parsed once per set.
   */
  async current(workspaceId: string, fresh = false): Promise<SnippetSet> {
    const now = this.deps.clock.now();
    const cached = this.sets.get(workspaceId);
    if (!fresh && cached !== undefined && now - cached.at < SET_TTL_MS && now >= cached.at) return cached.set;
    const rows = await listCurrentSnippetSources(this.deps.database.db, workspaceId);
    const set = new SnippetSet(workspaceId, new Map(rows.map((row) => [row.name, row.source])));
    if (this.sets.size >= SET_CACHE_LIMIT) this.sets.clear();
    this.sets.set(workspaceId, { set, at: now });
    return set;
  }

  /** Syntax, included snippets and cycles of a source about to be saved as `name`. */
  private check(existing: SnippetSet, name: string, source: string): void {
    let issues: FieldIssue[];
    try {
      const parsed = parseLiquid(source, 'html');
      issues = snippetIssues(parsed, new Set([...existing.names(), name]), 'source');
    } catch (error) {
      if (!(error instanceof LiquidSyntaxError)) throw error;
      issues = [{ field: 'source', rule: 'liquid_syntax', message: error.message }];
    }
    if (issues.length === 0) {
      const cycle = this.cycleThrough(existing, name, source);
      if (cycle !== undefined) issues.push({ field: 'source', rule: 'snippet_cycle', message: `snippets would include each other in a loop: ${cycle.join(' → ')}` });
    }
    if (issues.length > 0) throw new RapportError('snippet.invalid', `the snippet has ${issues.length} problem(s): ${issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')}`, issues);
  }

  /** A path of includes from `name` back to itself once `name` holds `source`, if any. */
  private cycleThrough(existing: SnippetSet, name: string, source: string): string[] | undefined {
    const includes = (snippet: string): string[] => includedNames(snippet === name ? source : (existing.source(snippet) ?? ''));
    const visited = new Set<string>();
    const walk = (snippet: string, path: string[]): string[] | undefined => {
      for (const next of includes(snippet)) {
        if (next === name) return [...path, next];
        if (visited.has(next)) continue;
        visited.add(next);
        const found = walk(next, [...path, next]);
        if (found !== undefined) return found;
      }
      return undefined;
    };
    return walk(name, [name]);
  }
}

function editConflict(name: string, current: number): RapportError {
  return new RapportError('snippet.edit_conflict', `snippet "${name}" was saved by someone else (now version ${current}); reload it and apply your edit again`, [
    { field: 'expectedVersion', rule: 'conflict', message: String(current) },
  ]);
}
