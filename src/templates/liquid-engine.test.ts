import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RapportError } from '../shared/errors.js';
import { parseLiquid, renderLiquid, snippetReferences, type TemplateLookups } from './liquid-engine.js';
import { RenderMeter, defaultRenderLimits } from './render-budget.js';
import { SnippetSet } from './snippet-fs.js';

const lookups: TemplateLookups = { product: async () => undefined, recommendations: async () => [] };
const CANARY = 'CANARY-5b1e-secret-bytes';

async function failure(source: string, options: Parameters<typeof renderLiquid>[3] = {}): Promise<RapportError> {
  try {
    await renderLiquid(parseLiquid(source, 'html'), {}, lookups, options);
  } catch (error) {
    if (error instanceof RapportError) return error;
    throw error;
  }
  throw new Error(`rendered without error: ${source}`);
}

describe('the template sandbox', () => {
  let dir = '';
  const cwd = process.cwd();

  beforeAll(() => {
    // Files a template must never reach, where the old engine looked: relative to the working
    // directory, and by absolute path.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-sandbox-'));
    fs.mkdirSync(path.join(dir, 'data'));
    for (const file of ['.env', 'footer', 'data/link-secret', 'data/vapid.json', 'data/rapport.db']) fs.writeFileSync(path.join(dir, file), `${CANARY} ${file}`);
    process.chdir(dir);
  });

  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads no file, relative or absolute, through include, render or layout', async () => {
    const names = ['.env', 'data/link-secret', 'data/vapid.json', '../data/rapport.db', 'footer', path.join(dir, '.env'), path.join(dir, 'data', 'vapid.json'), '/etc/passwd'];
    for (const name of names) {
      for (const source of [`{% include '${name}' %}`, `{% render '${name}' %}`, `{% layout '${name}' %}body`]) {
        const error = await failure(source);
        expect(error.code, source).toBe('template_render_error');
        expect(error.message).not.toContain(CANARY);
        expect(error.message).not.toContain('root:');
        expect(error.message).toMatch(/line 1, column 1/);
      }
    }
  });

  it('serves only the rendering workspace its own snippets, even when renders interleave', async () => {
    const parsed = parseLiquid("{% for i in (1..200) %}{% render 'footer' %}{% endfor %}", 'html');
    const a = new SnippetSet('a', new Map([['footer', 'A']]));
    const b = new SnippetSet('b', new Map([['footer', 'B']]));
    // Slices of no length: the two renders hand over to each other at every loop step.
    const meter = () => new RenderMeter({ ...defaultRenderLimits, sliceMs: 0 });
    const [forA, forB, forNone] = await Promise.allSettled([
      renderLiquid(parsed, {}, lookups, { snippets: a, meter: meter() }),
      renderLiquid(parsed, {}, lookups, { snippets: b, meter: meter() }),
      renderLiquid(parsed, {}, lookups, { meter: meter() }),
    ]);
    expect(forA).toEqual({ status: 'fulfilled', value: 'A'.repeat(200) });
    expect(forB).toEqual({ status: 'fulfilled', value: 'B'.repeat(200) });
    expect(forNone.status).toBe('rejected');
  });

  it('renders snippets with include (shared scope), render (own scope), for and layout blocks', async () => {
    const snippets = new SnippetSet(
      'ws',
      new Map([
        ['greeting', 'Hi {{ name }}'],
        ['card', '[{{ product.name }}]'],
        ['frame', '<main>{% block content %}{% endblock %}</main>'],
      ]),
    );
    const render = (source: string) => renderLiquid(parseLiquid(source, 'html'), { name: 'Ann', products: [{ name: 'Mug' }, { name: 'Cup' }] }, lookups, { snippets });
    expect(await render("{% include 'greeting' %}")).toBe('Hi Ann');
    expect(await render("{% render 'greeting' %}")).toBe('Hi ');
    expect(await render("{% render 'card' for products as product %}")).toBe('[Mug][Cup]');
    expect(await render("{% layout 'frame' %}{% block content %}x{% endblock %}")).toBe('<main>x</main>');
  });

  it('names a missing snippet and where it is included', async () => {
    const error = await failure("line one\n  {% render 'nav' %}");
    expect(error.code).toBe('template_render_error');
    expect(error.message).toBe('snippet "nav" does not exist; create it with PUT /api/v1/snippets/nav (line 2, column 3)');
  });
});

describe('render limits', () => {
  it('stops loops that run too long with template_render_limit', async () => {
    const error = await failure('{% for i in (1..10000) %}{% for j in (1..10000) %}{{ j }}{% endfor %}{% endfor %}', { meter: new RenderMeter({ ...defaultRenderLimits, timeMs: 50 }) });
    expect(error.code).toBe('template_render_limit');
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/more than 50 ms/);
  });

  it('stops string growth, huge ranges and output past the limits', async () => {
    expect((await failure("{% assign s = 'aaaaaaaaaa' %}{% for i in (1..60) %}{% assign s = s | append: s %}{% endfor %}")).code).toBe('template_render_limit');
    expect((await failure('{{ (1..100000000) | join }}')).code).toBe('template_render_limit');
    // One step (a range, a sort) runs between two checkpoints: its size is bounded on its own.
    const oneStep = await failure('{% for i in (1..60000) %}{% break %}{% endfor %}');
    expect(oneStep.message).toMatch(/^a range, list or text of 60000 items is larger than the 20000 one step may build/);
    expect((await failure('{% capture x %}ab{% endcapture %}{% for i in (1..40) %}{% capture x %}{{ x }}{{ x }}{% endcapture %}{% endfor %}')).code).toBe('template_render_limit');
    const output = await failure('{% for i in (1..5000) %}0123456789{% endfor %}', { meter: new RenderMeter({ ...defaultRenderLimits, outputChars: 10_000 }) });
    expect(output.code).toBe('template_render_limit');
    expect(output.message).toMatch(/grew past 10000 characters/);
  });

  it('lets other work run while a long render goes on', async () => {
    let turns = 0;
    const ticker = setInterval(() => (turns += 1), 0);
    try {
      const output = await renderLiquid(parseLiquid('{% for i in (1..100) %}{% for j in (1..300) %}{{ j }}{% endfor %}{% endfor %}', 'text'), {}, lookups, {
        meter: new RenderMeter({ ...defaultRenderLimits, timeMs: 60_000, sliceMs: 1 }),
      });
      expect(output.length).toBeGreaterThan(25_000);
    } finally {
      clearInterval(ticker);
    }
    // Without slicing the whole render runs in one macrotask and the interval never fires.
    expect(turns).toBeGreaterThan(0);
  });

  it('keeps the line and column in an error and drops the source', async () => {
    // liquidjs puts the lines around an error into its message's stack: none of it may leave.
    const error = await failure(`{% comment %}${CANARY}{% endcomment %}\n{% render 'nav' %}\n${CANARY}`);
    expect(error.code).toBe('template_render_error');
    expect(error.message).toMatch(/\(line 2, column 1\)$/);
    expect(error.message).not.toContain(CANARY);
    expect(error.message).not.toContain('\n');
  });

  it('passes a failed lookup on as the lookup error, not as the template fault', async () => {
    const broken: TemplateLookups = { product: async () => Promise.reject(new Error('store unavailable')), recommendations: async () => [] };
    await expect(renderLiquid(parseLiquid("{% assign p = 'sku1' | product %}{{ p.name }}", 'html'), {}, broken)).rejects.toThrow('store unavailable');
  });
});

describe('snippetReferences', () => {
  it('finds includes in nested blocks with their position, computed names as undefined, layout none not at all', () => {
    const parsed = parseLiquid("{% if a %}\n{% for p in ps %}{% render 'card' %}{% endfor %}{% endif %}{% include name %}{% layout none %}", 'html');
    expect(snippetReferences(parsed)).toEqual([
      { tag: 'render', name: 'card', line: 2, column: 18 },
      { tag: 'include', name: undefined, line: 2, column: 60 },
    ]);
  });
});
