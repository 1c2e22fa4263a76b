import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('analytics engine settings', () => {
  it('keeps DuckDB by default and selects ClickHouse at a server or embedded', () => {
    expect(loadConfig({})).toMatchObject({ analyticsEngine: 'duckdb', clickhouseUrl: undefined });
    expect(loadConfig({ RAPPORT_ANALYTICS_ENGINE: 'ClickHouse', RAPPORT_CLICKHOUSE_URL: 'http://rapport:pw@ch.internal:8123/rapport' })).toMatchObject({
      analyticsEngine: 'clickhouse',
      clickhouseUrl: 'http://rapport:pw@ch.internal:8123/rapport',
    });
    expect(loadConfig({ RAPPORT_ANALYTICS_ENGINE: 'clickhouse', RAPPORT_CLICKHOUSE_URL: 'chdb:data/analytics.chdb' }).clickhouseUrl).toBe('chdb:data/analytics.chdb');
  });

  it('refuses ClickHouse without a URL, an unknown engine and a URL it cannot use, without echoing a password', () => {
    expect(() => loadConfig({ RAPPORT_ANALYTICS_ENGINE: 'clickhouse' })).toThrow(/RAPPORT_ANALYTICS_ENGINE=clickhouse needs RAPPORT_CLICKHOUSE_URL/);
    expect(() => loadConfig({ RAPPORT_ANALYTICS_ENGINE: 'bigquery' })).toThrow(/RAPPORT_ANALYTICS_ENGINE must be one of duckdb, clickhouse/);
    const error = (() => {
      try {
        loadConfig({ RAPPORT_CLICKHOUSE_URL: 'tcp://admin:hunter2@ch:9000' });
      } catch (caught) {
        return caught instanceof Error ? caught.message : String(caught);
      }
      return '';
    })();
    expect(error).toMatch(/RAPPORT_CLICKHOUSE_URL must be http\(s\)/);
    expect(error).not.toContain('hunter2');
  });
});
