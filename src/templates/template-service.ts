import { Value } from '@sinclair/typebox/value';
import { channelNames, isChannelName } from '../shared/channel.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import { deleteTemplate, findTemplate, findTemplateVersion, insertTemplate, insertTemplateVersion, listTemplates, updateTemplate, type TemplateRecord } from './store/templates.js';
import { compileSource, htmlToText, parseCompiled, sourceSnippetNames, type ParsedContent } from './compile.js';
import { renderLiquid, snippetReferences, type TemplateLookups } from './liquid-engine.js';
import { RenderMeter, defaultRenderLimits, type RenderLimits } from './render-budget.js';
import { RenderQueue } from './render-queue.js';
import { noSnippets } from './snippet-fs.js';
import { SnippetService } from './snippet-service.js';
import { TemplateSourceSchema, type CompiledContent, type RenderedMessage, type Template, type TemplateSource, type TemplateVersion } from './template.js';

export interface TemplateInput {
  name: string;
  channel: Template['channel'];
  source: TemplateSource;
  /** Publish this version at once (default true), so sends use it. */
  publish?: boolean;
}

/** A version ready to render: parsed once, cached (versions never change). */
export interface ResolvedTemplate {
  template: Template;
  version: number;
  locales: Map<string, ParsedContent>;
  workspaceId: string;
  /** Whether any field includes a snippet (renders without one skip reading them). */
  includesSnippets: boolean;
}

const CACHE_LIMIT = 500;
const RECORD_TTL_MS = 1000;

function toTemplate(record: TemplateRecord): Template {
  const channel = record.channel;
  if (!isChannelName(channel)) throw new Error(`unknown channel ${channel}`);
  return {
    id: record.id,
    name: record.name,
    channel,
    publishedVersion: record.publishedVersion,
    latestVersion: record.latestVersion,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}

function parseSource(text: string): TemplateSource {
  const value: unknown = JSON.parse(text);
  if (!Value.Check(TemplateSourceSchema, value)) throw new Error('stored template source does not match its schema');
  return value;
}

function parseCompiledMap(text: string): Record<string, CompiledContent> {
  // Written by this module from `compileSource`; its shape is ours.
  return JSON.parse(text) as Record<string, CompiledContent>;
}

/**
 * The best locale variant for a person's locale: `fr-CA` → `fr-CA`, then `fr`, then the default.
 * @example pickLocale(['default', 'fr'], 'fr-CA') // 'fr'
 */
export function pickLocale(available: Iterable<string>, wanted: string | undefined): string {
  const set = new Set(available);
  if (wanted !== undefined && wanted !== '') {
    const normalized = wanted.replace('_', '-');
    if (set.has(normalized)) return normalized;
    const language = normalized.split('-')[0]?.toLowerCase();
    if (language !== undefined && set.has(language)) return language;
  }
  return 'default';
}

/**
 * Liquid + MJML templates with immutable versions: saving checks the syntax (line and column
 * of each problem) and compiles MJML once; sends render the published version.
 * @example
 * const templates = new TemplateService({ database, clock });
 * const { template } = await templates.create('ws', { name: 'Welcome', channel: 'sms', source: { default: { body: 'Hi {{ profile.first_name }}' } } });
 */
export class TemplateService {
  private readonly cache = new Map<string, ResolvedTemplate>();
  private readonly records = new Map<string, { record: TemplateRecord; at: number }>();

  /** The workspace's snippets: the only files templates can include. */
  readonly snippets: SnippetService;
  private readonly queue: RenderQueue;
  private readonly limits: RenderLimits;

  constructor(private readonly deps: { database: Database; clock: Clock; renderQueue?: RenderQueue; renderLimits?: RenderLimits }) {
    this.snippets = new SnippetService({ database: deps.database, clock: deps.clock, templatesUsing: (workspaceId, name) => this.templatesUsing(workspaceId, name) });
    this.queue = deps.renderQueue ?? new RenderQueue();
    this.limits = deps.renderLimits ?? defaultRenderLimits;
  }

  async create(workspaceId: string, input: TemplateInput, id: string = randomId('tpl', 12)): Promise<{ template: Template; version: TemplateVersion }> {
    if (!isChannelName(input.channel)) throw new RapportError('template.channel_invalid', `channel must be one of ${channelNames.join(', ')}`);
    const compiled = await compileSource(input.channel, input.source, await this.snippets.names(workspaceId));
    const now = this.deps.clock.now();
    const record: TemplateRecord = { id, name: input.name, channel: input.channel, publishedVersion: input.publish === false ? null : 1, latestVersion: 1, createdAt: now, updatedAt: now };
    const version = { templateId: id, version: 1, content: JSON.stringify(input.source), compiled: JSON.stringify(compiled), createdAt: now };
    await this.deps.database.transaction(async (trx) => {
      if ((await findTemplate(trx, workspaceId, id)) !== undefined) throw new RapportError('conflict', `template ${id} already exists; save a new version instead`);
      await insertTemplate(trx, workspaceId, record, version);
    });
    return { template: toTemplate(record), version: { templateId: id, version: 1, source: input.source, compiled, createdAt: new Date(now).toISOString() } };
  }

  /** Saves a new version (checked and compiled first); publishes it unless `publish` is false. */
  /**
   * Saves the next version. With `expectedVersion` (the latestVersion the editor read), a template
   * saved by someone else since answers `template.edit_conflict` instead of burying their version.
   */
  async saveVersion(
    workspaceId: string,
    id: string,
    input: { source: TemplateSource; name?: string; publish?: boolean; expectedVersion?: number },
  ): Promise<{ template: Template; version: TemplateVersion }> {
    const existing = await findTemplate(this.deps.database.db, workspaceId, id);
    if (existing === undefined) throw new RapportError('not_found', `no template ${id}`);
    const compiled = await compileSource(toTemplate(existing).channel, input.source, await this.snippets.names(workspaceId));
    this.records.delete(`${workspaceId}\u0000${id}`);
    const now = this.deps.clock.now();
    const number = await this.deps.database.transaction(async (trx) => {
      const current = await findTemplate(trx, workspaceId, id);
      if (current === undefined) throw new RapportError('not_found', `no template ${id}`);
      const from = input.expectedVersion ?? current.latestVersion;
      if (from !== current.latestVersion) throw editConflict(id, toTemplate(current));
      const next = from + 1;
      // Compare-and-set first: of two saves from one version, the second waits for the first's row
      // lock (PostgreSQL) or the write lock (SQLite), then finds the version moved and stops here.
      const moved = await updateTemplate(
        trx,
        workspaceId,
        id,
        { latestVersion: next, updatedAt: now, ...(input.name === undefined ? {} : { name: input.name }), ...(input.publish === false ? {} : { publishedVersion: next }) },
        from,
      );
      if (!moved) {
        const latest = await findTemplate(trx, workspaceId, id);
        throw editConflict(id, latest === undefined ? toTemplate(current) : toTemplate(latest));
      }
      await insertTemplateVersion(trx, workspaceId, { templateId: id, version: next, content: JSON.stringify(input.source), compiled: JSON.stringify(compiled), createdAt: now });
      return next;
    });
    this.records.delete(`${workspaceId}\u0000${id}`);
    const template = await this.get(workspaceId, id);
    return { template, version: { templateId: id, version: number, source: input.source, compiled, createdAt: new Date(now).toISOString() } };
  }

  async publish(workspaceId: string, id: string, version: number): Promise<Template> {
    this.records.delete(`${workspaceId}\u0000${id}`);
    await this.deps.database.transaction(async (trx) => {
      if ((await findTemplateVersion(trx, workspaceId, id, version)) === undefined) throw new RapportError('not_found', `template ${id} has no version ${version}`);
      await updateTemplate(trx, workspaceId, id, { publishedVersion: version, updatedAt: this.deps.clock.now() });
    });
    return this.get(workspaceId, id);
  }

  async get(workspaceId: string, id: string): Promise<Template> {
    const record = await findTemplate(this.deps.database.db, workspaceId, id);
    if (record === undefined) throw new RapportError('not_found', `no template ${id}`);
    return toTemplate(record);
  }

  async version(workspaceId: string, id: string, version: number): Promise<TemplateVersion> {
    const record = await findTemplateVersion(this.deps.database.db, workspaceId, id, version);
    if (record === undefined) throw new RapportError('not_found', `template ${id} has no version ${version}`);
    return { templateId: id, version, source: parseSource(record.content), compiled: parseCompiledMap(record.compiled), createdAt: new Date(record.createdAt).toISOString() };
  }

  async list(workspaceId: string): Promise<Template[]> {
    return (await listTemplates(this.deps.database.db, workspaceId)).map(toTemplate);
  }

  async delete(workspaceId: string, id: string): Promise<boolean> {
    this.records.delete(`${workspaceId}\u0000${id}`);
    return this.deps.database.transaction((trx) => deleteTemplate(trx, workspaceId, id));
  }

  /**
   * The version to render: `version` when given (previews of drafts), else the published one.
   * Parsed once per version and kept in memory.
   */
  async resolve(workspaceId: string, id: string, version?: number): Promise<ResolvedTemplate> {
    const record = await this.record(workspaceId, id);
    const number = version ?? record.publishedVersion;
    if (number === null) throw new RapportError('conflict', `template ${id} has no published version; publish one first`);
    const key = `${workspaceId}\u0000${id}\u0000${number}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const stored = await findTemplateVersion(this.deps.database.db, workspaceId, id, number);
    if (stored === undefined) throw new RapportError('not_found', `template ${id} has no version ${number}`);
    const locales = new Map<string, ParsedContent>();
    for (const [locale, content] of Object.entries(parseCompiledMap(stored.compiled))) locales.set(locale, parseCompiled(content));
    const includesSnippets = [...locales.values()].some((content) => Object.values(content).some((part) => part !== undefined && snippetReferences(part).length > 0));
    const resolved = { template: toTemplate(record), version: number, locales, workspaceId, includesSnippets };
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(key, resolved);
    return resolved;
  }

  /**
   * The template row, read at most once a second per template: every send resolves the
   * published version, and a publish elsewhere is picked up within that second (at once here).
   */
  private async record(workspaceId: string, id: string): Promise<TemplateRecord> {
    const key = `${workspaceId}\u0000${id}`;
    const now = this.deps.clock.now();
    const cached = this.records.get(key);
    if (cached !== undefined && now - cached.at < RECORD_TTL_MS && now >= cached.at) return cached.record;
    const record = await findTemplate(this.deps.database.db, workspaceId, id);
    if (record === undefined) throw new RapportError('not_found', `no template ${id}`);
    if (this.records.size >= CACHE_LIMIT) this.records.clear();
    this.records.set(key, { record, at: now });
    return record;
  }

  /**
   * Runs a preview unless too many of the workspace's previews are in flight (429
   * `template_render_busy`): sends wait their turn, editors are told to retry.
   * @example const rendered = await templates.admitPreview('ws', () => channels.preview('ws', id, options));
   */
  async admitPreview<T>(workspaceId: string, work: () => Promise<T>): Promise<T> {
    return this.queue.admitPreview(workspaceId, work);
  }

  /**
   * Templates whose latest or published version includes the snippet `name` (a snippet in use
   * cannot be deleted).
   */
  async templatesUsing(workspaceId: string, name: string): Promise<{ id: string; name: string }[]> {
    const users: { id: string; name: string }[] = [];
    for (const record of await listTemplates(this.deps.database.db, workspaceId)) {
      const numbers = new Set([record.latestVersion, ...(record.publishedVersion === null ? [] : [record.publishedVersion])]);
      for (const number of numbers) {
        const stored = await findTemplateVersion(this.deps.database.db, workspaceId, record.id, number);
        if (stored !== undefined && sourceSnippetNames(parseSource(stored.content)).has(name)) {
          users.push({ id: record.id, name: record.name });
          break;
        }
      }
    }
    return users;
  }

  /**
   * Renders a resolved template for one person: picks the locale variant, renders every field.
   * Renders of one workspace wait their turn (see RenderQueue) and the fields of one message
   * share one meter, so a template past its limits fails with `template_render_limit` (422)
   * instead of stalling the server.
   * @example const message = await templates.render(resolved, 'fr-FR', { profile, coupon }, lookups);
   */
  async render(resolved: ResolvedTemplate, locale: string | undefined, data: Record<string, unknown>, lookups: TemplateLookups): Promise<RenderedMessage> {
    const chosen = pickLocale(resolved.locales.keys(), locale);
    const parsed = resolved.locales.get(chosen) ?? resolved.locales.get('default');
    if (parsed === undefined) throw new Error(`template ${resolved.template.id} v${resolved.version} has no default locale`);
    const [subject, html, text, title, url] = await this.queue.run(resolved.workspaceId, async () => {
      const snippets = resolved.includesSnippets ? await this.snippets.current(resolved.workspaceId) : noSnippets;
      const meter = new RenderMeter(this.limits);
      const render = async (part: ParsedContent[keyof ParsedContent]) => (part === undefined ? undefined : renderLiquid(part, data, lookups, { snippets, meter }));
      return Promise.all([render(parsed.subject), render(parsed.html), render(parsed.text), render(parsed.title), render(parsed.url)]);
    });
    const result: RenderedMessage = { text: text ?? (html === undefined ? '' : htmlToText(html)), locale: chosen };
    if (subject !== undefined) result.subject = subject.trim();
    if (html !== undefined) result.html = html;
    if (title !== undefined) result.title = title.trim();
    if (url !== undefined) result.url = url.trim();
    return result;
  }
}

function editConflict(id: string, current: Template): RapportError {
  return new RapportError('template.edit_conflict', `template ${id} was saved by someone else (now version ${current.latestVersion}, at ${current.updatedAt}); reload it and apply your edit again`, [
    { field: 'expectedVersion', rule: 'conflict', message: String(current.latestVersion) },
  ]);
}
