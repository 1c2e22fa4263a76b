import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { manualClock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { SnippetService } from './snippet-service.js';
import { TemplateService } from './template-service.js';

const lookups = { product: async () => undefined, recommendations: async () => [] };

async function refusal(work: Promise<unknown>): Promise<RapportError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof RapportError)) throw new Error(`expected a RapportError, got ${String(error)}`);
  return error;
}

describe.each(dialects)('snippets (%s)', (dialect) => {
  let store: TestStore;
  let templates: TemplateService;
  const clock = manualClock(Date.UTC(2026, 0, 5));

  beforeEach(async () => {
    store = await createTestStore(dialect);
    templates = new TemplateService({ database: store.database, clock });
  });

  afterEach(async () => {
    await store.drop();
  });

  it('versions every save, lists and reads versions, and restores an old one as a new version', async () => {
    const snippets = templates.snippets;
    expect((await snippets.save('ws', 'footer', { source: '<p>v1</p>', description: 'shop footer' })).created).toBe(true);
    clock.advance(1000);
    const second = await snippets.save('ws', 'footer', { source: '<p>v2 {{ shop }}</p>' });
    expect(second).toMatchObject({ created: false, snippet: { name: 'footer', version: 2, description: 'shop footer', source: '<p>v2 {{ shop }}</p>' } });
    expect((await snippets.versions('ws', 'footer')).map((entry) => entry.version)).toEqual([2, 1]);
    expect((await snippets.version('ws', 'footer', 1)).source).toBe('<p>v1</p>');
    const restored = await snippets.restore('ws', 'footer', 1);
    expect(restored).toMatchObject({ version: 3, source: '<p>v1</p>' });
    expect((await snippets.versions('ws', 'footer'))[0]).toMatchObject({ version: 3, restoredFrom: 1 });
    expect(await snippets.list('ws')).toEqual([expect.objectContaining({ name: 'footer', version: 3 })]);
    expect((await refusal(snippets.create('ws', 'footer', { source: 'x' }))).code).toBe('conflict');
    expect((await refusal(snippets.version('ws', 'footer', 9))).code).toBe('not_found');
  });

  it('holds at most maxSnippets per workspace, and saving an existing one stays possible', async () => {
    const snippets = new SnippetService({ database: store.database, clock, templatesUsing: async () => [], maxSnippets: 2 });
    await snippets.save('ws', 'a', { source: 'a' });
    await snippets.save('ws', 'b', { source: 'b' });
    expect((await refusal(snippets.save('ws', 'c', { source: 'c' }))).message).toMatch(/has 2 snippets, the most it may hold/);
    expect((await snippets.save('ws', 'b', { source: 'b2' })).snippet.version).toBe(2);
    expect((await snippets.save('other', 'c', { source: 'c' })).created).toBe(true);
  });

  it('refuses bad names, syntax errors with line and column, missing includes and include loops', async () => {
    const snippets = templates.snippets;
    for (const name of ['constructor', 'prototype', '__proto__', '../.env', 'Footer', '', 'a'.repeat(65)]) {
      const error = await refusal(snippets.save('ws', name, { source: 'x' }));
      expect(error.issues[0]?.field).toBe('name');
    }
    const syntax = await refusal(snippets.save('ws', 'card', { source: 'ok\n{% if %}' }));
    expect(syntax.issues[0]).toMatchObject({ field: 'source', rule: 'liquid_syntax' });
    expect(syntax.issues[0]?.message).toMatch(/^line 2, column 6:/);
    expect((await refusal(snippets.save('ws', 'card', { source: "{% render 'nav' %}" }))).issues[0]).toMatchObject({ rule: 'snippet_missing' });
    expect((await refusal(snippets.save('ws', 'card', { source: "{% include '.env' %}" }))).issues[0]).toMatchObject({ rule: 'snippet_name' });
    expect((await refusal(snippets.save('ws', 'card', { source: "{% render 'card' %}" }))).issues[0]).toMatchObject({ rule: 'snippet_cycle' });
    await snippets.save('ws', 'a', { source: 'a' });
    await snippets.save('ws', 'b', { source: "{% render 'a' %}" });
    const loop = await refusal(snippets.save('ws', 'a', { source: "{% render 'b' %}" }));
    expect(loop.issues[0]).toMatchObject({ rule: 'snippet_cycle', message: expect.stringContaining('a → b → a') });
  });

  it('renders the current version in templates, keeps workspaces apart, and refuses deleting a snippet in use', async () => {
    const snippets = templates.snippets;
    await snippets.save('a', 'footer', { source: 'Footer of A' });
    await snippets.save('b', 'footer', { source: 'Footer of B' });
    await snippets.save('a', 'wrapper', { source: "[{% render 'footer' %}]" });
    const missing = await refusal(templates.create('b', { name: 'B', channel: 'sms', source: { default: { body: "{% render 'wrapper' %}" } } }));
    expect(missing.issues[0]).toMatchObject({ field: 'default.body', rule: 'snippet_missing' });
    const { template } = await templates.create('a', { name: 'Welcome', channel: 'sms', source: { default: { body: "Hi {% render 'wrapper' %}" } } });
    const render = async (workspaceId: string, id: string) => (await templates.render(await templates.resolve(workspaceId, id), undefined, {}, lookups)).text;
    expect(await render('a', template.id)).toBe('Hi [Footer of A]');
    await snippets.save('a', 'footer', { source: 'New footer' });
    expect(await render('a', template.id)).toBe('Hi [New footer]');
    const { template: other } = await templates.create('b', { name: 'B', channel: 'sms', source: { default: { body: "{% render 'footer' %}" } } });
    expect(await render('b', other.id)).toBe('Footer of B');

    const inUse = await refusal(snippets.delete('a', 'wrapper'));
    expect(inUse.code).toBe('conflict');
    expect(inUse.message).toContain('template "Welcome"');
    const byWrapper = await refusal(snippets.delete('a', 'footer'));
    expect(byWrapper.message).toContain('snippet "wrapper"');
    await templates.saveVersion('a', template.id, { source: { default: { body: 'Hi' } } });
    await snippets.delete('a', 'wrapper');
    await snippets.delete('a', 'footer');
    expect(await snippets.list('a')).toEqual([]);
    // B's footer is untouched by A's delete.
    expect(await render('b', other.id)).toBe('Footer of B');
    expect((await refusal(snippets.delete('a', 'footer'))).code).toBe('not_found');
  });
});
