import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, settings } from '../../src/config/config.js';
import { configurationMarkdown } from '../../src/config/docs.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('docs/configuration.md', () => {
  it('is what `npm run docs:config` writes from the settings table (run it after adding a setting)', () => {
    const committed = fs.readFileSync(path.join(root, 'docs', 'configuration.md'), 'utf8');
    expect(committed).toBe(configurationMarkdown());
  });

  it('lists every variable config.ts reads, so a setting added outside the table fails here', () => {
    const source = fs.readFileSync(path.join(root, 'src', 'config', 'config.ts'), 'utf8');
    const mentioned = new Set([...source.matchAll(/\b(RAPPORT_[A-Z0-9_]+)\b/g), ...source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)].map((match) => match[1]));
    const declared = new Set<string>(Object.values(settings).map((setting) => setting.env));
    expect([...mentioned].filter((name) => name !== undefined && !declared.has(name))).toEqual([]);
  });

  it('gives the defaults loadConfig applies', () => {
    const config = loadConfig({});
    expect(config.port).toBe(settings.port.default);
    expect(config.processorBatchSize).toBe(settings.processorBatchSize.default);
    expect(config.smtpFrom).toBe(settings.smtpFrom.default);
    expect(config.logLevel).toBe(settings.logLevel.default);
    expect(config.rateLimits.adminPerToken).toEqual({ perSecond: settings.rateAdminToken.default, burst: settings.rateAdminTokenBurst.default });
    expect(loadConfig({ RAPPORT_DATABASE_URL: 'postgres://x@h/db' }).partitions).toBe(8);
    expect(loadConfig({ RAPPORT_RATE_ADMIN_TOKEN: '5000' }).rateLimits.adminPerToken).toEqual({ perSecond: 5000, burst: 5000 });
    expect(loadConfig({ RAPPORT_PROCESSOR: 'yes', RAPPORT_SQLITE_SYNCHRONOUS: 'full', HOST: ' 0.0.0.0 ' })).toMatchObject({
      processor: 'thread',
      sqliteSynchronous: 'FULL',
      host: '0.0.0.0',
      publicUrl: 'http://0.0.0.0:4000',
    });
    expect(configurationMarkdown()).toContain('| `RAPPORT_PROCESSOR_BATCH` | integer 1–100000 | `2000` |');
  });

  it('names the variable and what it accepts when a value is wrong', () => {
    expect(() => loadConfig({ RAPPORT_PROCESSOR_BATCH: '0' })).toThrow('RAPPORT_PROCESSOR_BATCH must be an integer between 1 and 100000, got "0"');
    expect(() => loadConfig({ RAPPORT_LOG_LEVEL: 'loud' })).toThrow('RAPPORT_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"');
    expect(() => loadConfig({ RAPPORT_TRUST_PROXY: 'maybe' })).toThrow('RAPPORT_TRUST_PROXY must be true or false, got "maybe"');
    expect(() => loadConfig({ RAPPORT_PROCESSOR: 'sometimes' })).toThrow('RAPPORT_PROCESSOR must be thread, inline or off, got "sometimes"');
  });
});
