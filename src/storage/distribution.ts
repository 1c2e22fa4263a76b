/*
 * How the state store spreads over a Citus cluster (PostgreSQL with sharding), with
 * `workspace_id` as the distribution column. Every table that has a `workspace_id` is
 * distributed by it (all of them co-located, so a workspace's rows of every table live on one
 * node and its joins stay local), except the few listed here as reference tables: small tables
 * looked up before the workspace is known (by a secret's hash, a user's email), copied to every
 * node. The migrator's own tables stay on the coordinator. docs/sharding.md explains the choice
 * and lists the queries that cross shards; test/storage/distribution.test.ts runs this DDL on
 * plain PostgreSQL against functions that check what Citus checks.
 */

/** Copied to every node: read by secret or by user before any workspace is known, and small. */
export const referenceTables: ReadonlyMap<string, string> = new Map([
  ['workspaces', 'the list of workspaces itself'],
  ['users', 'people sign in by email before choosing a workspace'],
  ['memberships', "a user's workspaces are listed at sign-in, across workspaces"],
  ['sessions', 'a session cookie is looked up by its hash before the workspace is known'],
  ['admin_tokens', 'a token is looked up by its hash before the workspace is known'],
  ['write_keys', 'a write key is looked up by its value before the workspace is known'],
  ['invitations', 'an invitation is accepted by its token before the workspace is known'],
]);

/** Kept on the coordinator only: bookkeeping of the instance, not of a workspace (every Rapport process talks to the coordinator). */
export const localTables: ReadonlyMap<string, string> = new Map([
  ['kysely_migration', "the migrator's record of applied migrations"],
  ['kysely_migration_lock', "the migrator's lock"],
  ['log_leases', 'which worker process owns which log partition, and until when'],
  ['log_workers', 'the live worker processes the partitions are shared among'],
  ['named_leases', 'which process runs a long task (model training, predictive refresh, feeding the analytics replica), and until when'],
  ['server_secrets', 'the link-signing secret and VAPID keys every process shares'],
  ['setting_changes', 'the settings-changed counters every process polls, for all workspaces at once'],
]);

/** The Citus DDL for these tables: reference tables first (distributed ones may refer to them), then the rest by workspace. */
export function citusDdl(tables: readonly string[]): string[] {
  const reference = tables.filter((table) => referenceTables.has(table));
  const distributed = tables.filter((table) => !referenceTables.has(table) && !localTables.has(table));
  return [
    ...reference.map((table) => `SELECT create_reference_table('${quoteIdentifier(table)}');`),
    ...distributed.map((table) => `SELECT create_distributed_table('${quoteIdentifier(table)}', 'workspace_id');`),
  ];
}

function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected table name ${JSON.stringify(name)}`);
  return name;
}

/**
 * Distributed tables that some statements read across workspaces on purpose, with the reason
 * (docs/sharding.md): on Citus each such statement runs on every node.
 */
export const crossShardScans: ReadonlyMap<string, string> = new Map([
  ['jobs', 'the scheduler claims the due jobs of every workspace in one statement (FOR UPDATE SKIP LOCKED); on Citus, per node'],
  ['workspace_settings', "each process loads every workspace's identity rules once at start (a cache, refreshed on change)"],
  ['coupon_pools', 'the coupon follower lists the workspaces that have pools, to follow only those'],
  ['profiles', 'the analytics replica copies the profiles changed since its last pass, of every workspace, into one DuckDB file'],
  ['log_heads_pending', 'publishing the log heads takes the notes of every workspace at or below the settled fence in one statement'],
  ['log_heads', "a handle's first head publish recomputes every workspace's heads from the log"],
  ['privacy_jobs', 'the erased-person gate counts finished erasures to know when its tombstone list changed'],
]);
