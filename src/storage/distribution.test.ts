import fs from 'node:fs';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, basicAuth, startTestRapport, WRITE_KEY, type TestRapport } from '../../test/helpers/server.js';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { citusDdl, crossShardScans, localTables, referenceTables } from './distribution.js';

/*
 * The store on Citus, checked on plain PostgreSQL (Citus itself cannot be installed here):
 * every table has a place (distributed by workspace_id, reference, or coordinator-only); the DDL a
 * Citus deployment runs is run against stand-ins of create_distributed_table and
 * create_reference_table that refuse what Citus refuses; and a workload's statements are
 * recorded to find those that would cross shards (no workspace_id predicate on a distributed
 * table), each of which must be a scan docs/sharding.md explains.
 */

const postgres = dialects.includes('postgres');

/** What Citus checks when a table is distributed, as PL/pgSQL on plain PostgreSQL. */
const STAND_INS = `
create schema citus_check;
create function citus_check.create_reference_table(rel regclass) returns void language plpgsql as $$
begin
  if exists (select 1 from pg_constraint c where c.conrelid = rel and c.contype = 'f' and c.confrelid::regclass::text not in (select unnest(string_to_array(current_setting('citus_check.reference'), ',')))) then
    raise exception 'reference table % refers to a distributed table', rel;
  end if;
end $$;
create function citus_check.create_distributed_table(rel regclass, col text) returns void language plpgsql as $$
declare bad text;
begin
  if not exists (select 1 from pg_attribute where attrelid = rel and attname = col and not attisdropped and attnotnull) then
    raise exception 'cannot distribute %: it has no NOT NULL column %', rel, col;
  end if;
  select string_agg(i.indexrelid::regclass::text, ', ') into bad from pg_index i
    where i.indrelid = rel and i.indisunique
      and not exists (select 1 from unnest(i.indkey) k join pg_attribute a on a.attrelid = rel and a.attnum = k where a.attname = col);
  if bad is not null then
    raise exception 'Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column (%: %)', rel, bad;
  end if;
  select string_agg(c.conname, ', ') into bad from pg_constraint c
    where c.conrelid = rel and c.contype = 'f'
      and c.confrelid::regclass::text not in (select unnest(string_to_array(current_setting('citus_check.reference'), ',')))
      and not exists (select 1 from unnest(c.conkey) k join pg_attribute a on a.attrelid = rel and a.attnum = k where a.attname = col);
  if bad is not null then
    raise exception 'foreign keys between distributed tables must include the distribution column (%: %)', rel, bad;
  end if;
end $$;
`;

describe.skipIf(!postgres)('the store on Citus, distributed by workspace_id (postgres)', () => {
  let store: TestStore;
  let tables: string[] = [];
  beforeAll(async () => {
    store = await createTestStore('postgres');
    const rows = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`.execute(
      store.database.db,
    );
    tables = rows.rows.map((row) => row.name);
  }, 120_000);
  afterAll(async () => {
    await store?.drop();
  });

  it('gives every table a place: distributed tables have workspace_id NOT NULL and lead every unique key with it', async () => {
    const columns = await sql<{ table: string; notNull: boolean }>`
      select table_name as "table", is_nullable = 'NO' as "notNull" from information_schema.columns where table_schema = 'public' and column_name = 'workspace_id'`.execute(store.database.db);
    const workspaceColumn = new Map(columns.rows.map((row) => [row.table, row.notNull]));
    const distributed = tables.filter((table) => !referenceTables.has(table) && !localTables.has(table));
    expect(distributed.filter((table) => workspaceColumn.get(table) !== true)).toEqual([]);
    // Every listed table exists (a renamed table cannot leave a stale entry behind).
    expect([...referenceTables.keys(), ...localTables.keys()].filter((table) => !tables.includes(table))).toEqual([]);

    const unique = await sql<{ table: string; index: string; first: string }>`
      select t.relname as "table", x.relname as "index", a.attname as "first"
      from pg_index i join pg_class t on t.oid = i.indrelid join pg_class x on x.oid = i.indexrelid
      join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]
      where i.indisunique and t.relnamespace = 'public'::regnamespace`.execute(store.database.db);
    const notLed = unique.rows.filter((row) => distributed.includes(row.table) && row.first !== 'workspace_id').map((row) => `${row.table}.${row.index}`);
    expect(notLed).toEqual([]);
  });

  it('is what docs/sharding.md shows: the DDL, the reference tables and the cross-shard scans', () => {
    const doc = fs.readFileSync(new URL('../../docs/sharding.md', import.meta.url), 'utf8');
    const block = doc.split('```sql\n')[1]?.split('```')[0] ?? '';
    expect(block.trim().split('\n').slice(1)).toEqual(citusDdl(tables));
    for (const table of [...referenceTables.keys(), ...localTables.keys(), ...crossShardScans.keys()]) expect(doc).toContain(`| \`${table}\` |`);
  });

  it('runs the Citus DDL against stand-ins that refuse what Citus refuses', async () => {
    const client = new pg.Client({ connectionString: store.databaseUrl });
    await client.connect();
    try {
      await client.query(STAND_INS);
      await client.query(`select set_config('citus_check.reference', $1, false)`, [[...referenceTables.keys()].join(',')]);
      await client.query('set search_path = citus_check, public');
      const ddl = citusDdl(tables);
      expect(ddl.length).toBe(tables.length - localTables.size);
      for (const statement of ddl) await client.query(statement);
      // The stand-ins do refuse: a unique key without the distribution column fails as on Citus.
      await client.query('create table public.citus_probe (workspace_id text not null, code text, unique (code))');
      await expect(client.query(`select create_distributed_table('citus_probe', 'workspace_id')`)).rejects.toThrow(/cannot have UNIQUE/);
    } finally {
      await client.end();
    }
  });
});

describe.skipIf(!postgres)('statements that would cross shards (postgres)', () => {
  let test: TestRapport;
  const statements: string[] = [];
  const query = pg.Client.prototype.query;
  beforeAll(async () => {
    test = await startTestRapport('postgres');
    // Records every statement this process sends (then sends it as usual).
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [first] = args;
      const text = typeof first === 'string' ? first : typeof first === 'object' && first !== null && 'text' in first ? String(first.text) : undefined;
      if (text !== undefined) statements.push(text);
      return (query as (...rest: unknown[]) => unknown).apply(this, args);
    } as typeof query;
  }, 120_000);
  afterAll(async () => {
    pg.Client.prototype.query = query;
    await test?.stop();
  });

  it('scans across workspaces only where docs/sharding.md says why', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
      const response = await test.rapport.app.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload }) });
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
      return response.json<Record<string, unknown>>();
    };
    const batch = [
      { type: 'identify', userId: 'u-1', anonymousId: 'a-1', traits: { email: 'ann@example.com' }, messageId: 'd-1' },
      { type: 'track', anonymousId: 'a-2', event: 'Product Viewed', properties: { product_id: 'p-1' }, messageId: 'd-2' },
      { type: 'alias', userId: 'u-1', previousId: 'a-2', messageId: 'd-3' },
      { type: 'track', userId: 'u-1', event: 'Order Completed', properties: { order_id: 'o-1', revenue: 40, products: [{ product_id: 'p-1', price: 40, quantity: 1 }] }, messageId: 'd-4' },
    ];
    const sent = await test.rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { batch } });
    expect(sent.statusCode).toBe(200);
    await test.rapport.processor.drain();
    const profiles = (await call('GET', '/api/v1/profiles?limit=10')).profiles as { id: string }[];
    const id = profiles[0]?.id ?? '';
    await call('GET', `/api/v1/profiles/${id}`);
    await call('GET', `/api/v1/profiles/${id}/events?limit=50`);
    const condition = { type: 'event', event: 'Order Completed', window: { type: 'last', amount: 30, unit: 'days' } };
    await call('POST', '/api/v1/segments/estimate', { condition });
    await call('POST', '/api/v1/segments', { name: 'Buyers', condition });
    await call('GET', '/api/v1/segments');
    await call('GET', '/api/v1/overview/failing');
    await call('GET', '/api/v1/messages?limit=20');
    await call('GET', '/api/v1/analytics/kpis');
    await test.rapport.scheduler.runDue();
    await test.rapport.processor.drain();

    const crossing = new Map<string, Set<string>>();
    for (const text of statements) {
      for (const table of crossShardTablesOf(text)) {
        const seen = crossing.get(table) ?? new Set<string>();
        seen.add(text.replace(/\s+/g, ' ').slice(0, 160));
        crossing.set(table, seen);
      }
    }
    const unexplained = [...crossing].filter(([table]) => !crossShardScans.has(table)).map(([table, texts]) => `${table}: ${[...texts].join(' | ')}`);
    expect(unexplained).toEqual([]);
    expect(statements.length).toBeGreaterThan(50);
  }, 120_000);
});

/** Distributed tables a read or write reaches without naming a workspace (inserts go to the shard of their rows). */
function crossShardTablesOf(text: string): string[] {
  const statement = text.trim().toLowerCase();
  if (!/^(select|update|delete|with)\b/.test(statement)) return [];
  if (/"?workspace_id"?\s*(=|in\s*\(|= any)/.test(statement)) return [];
  const tables = [...statement.matchAll(/\b(?:from|join|(?<!for )update|into)\s+"?([a-z_][a-z0-9_]*)(?![a-z0-9_])"?(?!\s*\()/g)].map((match) => match[1] ?? '');
  return [...new Set(tables)].filter((table) => table !== '' && !referenceTables.has(table) && !localTables.has(table) && !table.startsWith('pg_') && table !== 'information_schema');
}
