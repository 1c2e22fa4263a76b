import path from 'node:path';
import { chdbConnection } from './chdb-connection.js';
import type { ClickHouseConnection } from './connection.js';
import { serverConnection } from './server-connection.js';

/**
 * The connection `RAPPORT_CLICKHOUSE_URL` names: a server (`http(s)://...`) or chdb (`chdb:DIR`).
 * @example const connection = await connectClickHouse('chdb:data/analytics.chdb');
 */
export async function connectClickHouse(url: string): Promise<ClickHouseConnection> {
  return url.startsWith('chdb:') ? chdbConnection(path.resolve(url.slice('chdb:'.length))) : serverConnection(url);
}
