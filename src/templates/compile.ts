import mjml2html from 'mjml';
import { RapportError, type FieldIssue } from '../shared/errors.js';
import { LiquidSyntaxError, parseLiquid, snippetReferences, type OutputKind, type ParsedLiquid } from './liquid-engine.js';
import { SNIPPET_NAME_PATTERN, isSnippetName } from './snippet-fs.js';
import { decodeEntities } from './entities.js';
import type { CompiledContent, Template, TemplateContent, TemplateSource } from './template.js';
import { setOwn } from '../shared/own.js';

type Channel = Template['channel'];

/** Fields each channel needs in every locale. */
const requiredFields: Record<Channel, (keyof TemplateContent)[]> = {
  email: ['subject', 'body'],
  sms: ['body'],
  push: ['title', 'body'],
  inbox: ['title', 'body'],
  webhook: ['body'],
};

/** One locale, parsed and ready to render. */
export interface ParsedContent {
  subject: ParsedLiquid | undefined;
  html: ParsedLiquid | undefined;
  text: ParsedLiquid | undefined;
  title: ParsedLiquid | undefined;
  url: ParsedLiquid | undefined;
}

function localesOf(source: TemplateSource): [string, TemplateContent][] {
  return [['default', source.default], ...Object.entries(source.locales ?? {})];
}

/**
 * What is wrong with the snippets a piece of Liquid includes: a computed name, a name that is
 * no snippet name (`.env`, `../x`), or a snippet the workspace does not have.
 * @example snippetIssues(parseLiquid("{% render 'nav' %}", 'html'), new Set(), 'default.body') // one snippet_missing issue
 */
export function snippetIssues(parsed: ParsedLiquid, snippets: ReadonlySet<string>, field: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const reference of snippetReferences(parsed)) {
    const at = `line ${reference.line}, column ${reference.column}`;
    if (reference.name === undefined) {
      issues.push({ field, rule: 'snippet_name', message: `${at}: ${reference.tag} needs a quoted snippet name, e.g. {% ${reference.tag} 'footer' %}` });
    } else if (!isSnippetName(reference.name)) {
      issues.push({ field, rule: 'snippet_name', message: `${at}: ${reference.tag} can only name a snippet of this workspace (names match ${SNIPPET_NAME_PATTERN}); files are never read` });
    } else if (!snippets.has(reference.name)) {
      issues.push({ field, rule: 'snippet_missing', message: `${at}: snippet "${reference.name}" does not exist; create it with PUT /api/v1/snippets/${reference.name}` });
    }
  }
  return issues;
}

/**
 * The snippet names a template source includes, over every locale and field (unparseable
 * fields are skipped: they were refused at save).
 * @example sourceSnippetNames({ default: { body: "{% render 'footer' %}" } }) // Set { 'footer' }
 */
export function sourceSnippetNames(source: TemplateSource): Set<string> {
  const names = new Set<string>();
  for (const [, content] of localesOf(source)) {
    for (const value of [content.subject, content.body, content.text, content.title, content.url]) {
      if (value === undefined || !value.includes('{%')) continue;
      try {
        for (const reference of snippetReferences(parseLiquid(value, 'text'))) if (reference.name !== undefined) names.add(reference.name);
      } catch (error) {
        if (!(error instanceof LiquidSyntaxError)) throw error;
      }
    }
  }
  return names;
}

async function compileMjml(body: string, field: string, issues: FieldIssue[]): Promise<string | undefined> {
  let result: { html: string; errors: { line: number; message: string }[] };
  try {
    result = await mjml2html(body, { validationLevel: 'soft', keepComments: false });
  } catch (error) {
    issues.push({ field, rule: 'mjml_syntax', message: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
  for (const problem of result.errors) issues.push({ field, rule: 'mjml_syntax', message: `line ${problem.line}: ${problem.message}` });
  return result.errors.length > 0 ? undefined : result.html;
}

/**
 * Validates a template version and compiles its MJML to HTML once (Liquid tags stay in place
 * and are rendered per send). Every problem is reported at once with its field, line and
 * column, as a `RapportError('template.invalid')` whose issues an editor can point at.
 * `snippets` names the workspace's snippets (none by default): including any other name is one of the problems.
 * @example const compiled = await compileSource('email', { default: { subject: 'Hi', body: '<mjml>...</mjml>', format: 'mjml' } });
 */
export async function compileSource(channel: Channel, source: TemplateSource, snippets: ReadonlySet<string> = new Set()): Promise<Record<string, CompiledContent>> {
  const issues: FieldIssue[] = [];
  const compiled: Record<string, CompiledContent> = {};
  for (const [locale, content] of localesOf(source)) {
    const at = locale === 'default' ? 'default' : `locales.${locale}`;
    for (const field of requiredFields[channel]) {
      const value = content[field];
      if (typeof value !== 'string' || value.trim() === '') issues.push({ field: `${at}.${field}`, rule: 'required', message: `a ${channel} template needs ${field}` });
    }
    let html: string | undefined;
    if (channel === 'email') {
      html = (content.format ?? (content.body.trimStart().startsWith('<mjml') ? 'mjml' : 'html')) === 'mjml' ? await compileMjml(content.body, `${at}.body`, issues) : content.body;
    }
    const entry: CompiledContent = {
      subject: content.subject,
      html,
      text: channel === 'email' ? content.text : content.body,
      title: content.title,
      url: content.url,
    };
    // Liquid is checked on what will be rendered (the compiled HTML keeps the author's lines
    // only for the source, so the source is checked too, for positions the author recognizes).
    const checks: [string, string | undefined, OutputKind][] = [
      [`${at}.subject`, content.subject, 'text'],
      [`${at}.body`, content.body, channel === 'email' ? 'html' : 'text'],
      [`${at}.text`, content.text, 'text'],
      [`${at}.title`, content.title, 'text'],
      [`${at}.url`, content.url, 'text'],
    ];
    for (const [field, value, kind] of checks) {
      if (value === undefined) continue;
      try {
        issues.push(...snippetIssues(parseLiquid(value, kind), snippets, field));
      } catch (error) {
        if (!(error instanceof LiquidSyntaxError)) throw error;
        issues.push({ field, rule: 'liquid_syntax', message: error.message });
      }
    }
    if (html !== undefined && html !== content.body) {
      try {
        parseLiquid(html, 'html');
      } catch (error) {
        if (!(error instanceof LiquidSyntaxError)) throw error;
        issues.push({ field: `${at}.body`, rule: 'liquid_syntax', message: `after MJML compilation, ${error.message}` });
      }
    }
    setOwn(compiled, locale, entry);
  }
  if (issues.length > 0) throw new RapportError('template.invalid', `the template has ${issues.length} problem(s): ${issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')}`, issues);
  return compiled;
}

/**
 * Parses one compiled locale for rendering (done once per version and cached by the caller).
 * @example const parsed = parseCompiled(version.compiled.default);
 */
export function parseCompiled(content: CompiledContent): ParsedContent {
  const parse = (value: string | undefined, kind: OutputKind) => (value === undefined ? undefined : parseLiquid(value, kind));
  return {
    subject: parse(content.subject, 'text'),
    html: parse(content.html, 'html'),
    text: parse(content.text, 'text'),
    title: parse(content.title, 'text'),
    url: parse(content.url, 'text'),
  };
}

/**
 * The plain-text part of an HTML email when the author wrote none: block ends become line
 * breaks, links keep their address, hidden preview text, images, tags and styles go, and
 * character references are decoded (no `&times;` or `&nbsp;` left for the reader).
 * @example htmlToText('<p>Hi <a href="https://x.co">there</a></p>') // 'Hi there (https://x.co)'
 */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<(style|head|script|title)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    // The preview line shown by inboxes next to the subject (MJML's mj-preview) is not content.
    .replace(/<div[^>]*style="[^"]*display:\s*none[^"]*"[^>]*>[\s\S]*?<\/div>/gi, '')
    .replace(/<a\s[^>]*href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/gi, (_match, href: string, label: string) => {
      // A linked logo reads as its alt text.
      const words = label
        .replace(/<img\b[^>]*\balt="([^"]*)"[^>]*>/gi, ' $1 ')
        .replace(/<[^>]+>/g, '')
        .trim();
      const url = decodeEntities(href);
      return words === '' || decodeEntities(words) === url ? url : `${words} (${url})`;
    })
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|h[1-6]|li|table)>/gi, '\n')
    .replace(/<\/td>/gi, ' ')
    .replace(/<[^>]+>/g, '');
  return decodeEntities(text)
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter((line, index, lines) => line !== '' || (index > 0 && lines[index - 1] !== ''))
    .join('\n')
    .trim();
}
