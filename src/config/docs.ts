import { settings, type Setting } from './config.js';

function code(value: string): string {
  return `\`${value}\``;
}

function kind(setting: Setting): string {
  switch (setting.type) {
    case 'integer':
      return `integer ${setting.min}–${setting.max}`;
    case 'choice':
      return setting.values.map(code).join(' | ');
    case 'boolean':
      return 'boolean (`true`/`false`, `1`/`0`, `on`/`off`, `yes`/`no`)';
    case 'text':
      return setting.secret === true ? 'text (secret)' : 'text';
  }
}

function fallback(setting: Setting): string {
  if ('defaultText' in setting && setting.defaultText !== undefined) return setting.defaultText;
  if (setting.default === undefined) return '(unset)';
  return code(String(setting.default));
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * docs/configuration.md, generated from the settings table in config.ts
 * (`npm run docs:config`; a test fails when the committed page is out of date).
 */
export function configurationMarkdown(): string {
  const rows = Object.values<Setting>(settings).map((setting) => `| ${code(setting.env)} | ${cell(kind(setting))} | ${cell(fallback(setting))} | ${cell(setting.description)} |`);
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/config.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Rapport reads its settings from the environment, only in `src/config/config.ts`, and checks them at',
    'start: a value outside its type or range stops the start with a message naming the variable and',
    'the values it accepts. An empty value counts as unset. Secrets are never echoed in those messages.',
    '',
    '| variable | type | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
