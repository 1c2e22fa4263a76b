import { createClient } from '@clickhouse/client';
import { connectionSettings, type ClickHouseConnection, type ClickHouseRow, type QueryParams } from './connection.js';

/**
 * A ClickHouse server over HTTP(S) with the official client: `http://user:password@host:8123/database`.
 * @example const connection = serverConnection('http://default@127.0.0.1:8123/rapport');
 */
export function serverConnection(url: string): ClickHouseConnection {
  const parsed = new URL(url);
  const client = createClient({ url, clickhouse_settings: connectionSettings });
  return {
    where: `${parsed.protocol}//${parsed.host}${parsed.pathname}`,
    async query(sql: string, params: QueryParams = {}): Promise<ClickHouseRow[]> {
      const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return result.json<ClickHouseRow>();
    },
    async command(sql: string, params: QueryParams = {}): Promise<void> {
      await client.command({ query: sql, query_params: params });
    },
    async insert(table: string, rows: readonly ClickHouseRow[]): Promise<void> {
      if (rows.length === 0) return;
      await client.insert({ table, values: [...rows], format: 'JSONEachRow' });
    },
    close: () => client.close(),
  };
}
