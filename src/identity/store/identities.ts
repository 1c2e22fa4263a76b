import { dialectOf, type Tx } from '../../storage/database.js';
import { bulkInsert, inList, type BulkTarget } from '../../storage/bulk.js';
import type { Identifier } from '../rules.js';

/*
 * The identity graph's edges: (type, value) → profile. Identities always point at a profile that
 * was not merged away: a merge moves the loser's identities in the same transaction.
 */

const IN_CHUNK = 5000;

export interface IdentityOwner extends Identifier {
  profileId: string;
}

export interface IdentityRecord extends IdentityOwner {
  /** Event time of the message that added it. */
  createdAt: number;
  messageId: string | null;
}

/**
 * Owners of the given identifiers: one query per identifier type (and per 5,000 values), each
 * an index range on the primary key (workspace_id, type, value).
 */
export async function findIdentities(db: Tx, workspaceId: string, identifiers: readonly Identifier[]): Promise<IdentityOwner[]> {
  const dialect = dialectOf(db);
  const byType = new Map<string, Set<string>>();
  for (const identifier of identifiers) {
    const values = byType.get(identifier.type);
    if (values) values.add(identifier.value);
    else byType.set(identifier.type, new Set([identifier.value]));
  }
  const result: IdentityOwner[] = [];
  for (const [type, valueSet] of byType) {
    const values = [...valueSet];
    for (let start = 0; start < values.length; start += IN_CHUNK) {
      const rows = await db
        .selectFrom('identities')
        .select(['value', 'profile_id'])
        .where('workspace_id', '=', workspaceId)
        .where('type', '=', type)
        .where(inList(dialect, 'value', values.slice(start, start + IN_CHUNK)))
        .execute();
      for (const row of rows) result.push({ type, value: row.value, profileId: row.profile_id });
    }
  }
  return result;
}

/**
 * Adds new identities; call inside `Database.transaction`. A concurrent writer of the same
 * identity makes this throw, and the batch retries.
 */
export async function insertIdentities(trx: Tx, target: BulkTarget, workspaceId: string, rows: readonly IdentityRecord[]): Promise<void> {
  await bulkInsert(
    trx,
    target,
    'identities',
    ['workspace_id', 'type', 'value', 'profile_id', 'created_at', 'message_id'],
    rows.map((row) => [workspaceId, row.type, row.value, row.profileId, row.createdAt, row.messageId]),
  );
}

/** Re-points every identity of each merged-away profile (key) at its survivor (value). */
export async function moveIdentities(trx: Tx, workspaceId: string, moves: ReadonlyMap<string, string>): Promise<void> {
  const dialect = dialectOf(trx);
  for (const [into, froms] of groupBySurvivor(moves)) {
    for (let start = 0; start < froms.length; start += IN_CHUNK) {
      await trx
        .updateTable('identities')
        .set({ profile_id: into })
        .where('workspace_id', '=', workspaceId)
        .where(inList(dialect, 'profile_id', froms.slice(start, start + IN_CHUNK)))
        .execute();
    }
  }
}

/** Every identity of a profile with its provenance, oldest first. */
export async function listIdentities(db: Tx, workspaceId: string, profileId: string): Promise<IdentityRecord[]> {
  const rows = await db
    .selectFrom('identities')
    .select(['type', 'value', 'profile_id', 'created_at', 'message_id'])
    .where('workspace_id', '=', workspaceId)
    .where('profile_id', '=', profileId)
    .orderBy('created_at')
    .orderBy('type')
    .orderBy('value')
    .execute();
  return rows.map((row) => ({ type: row.type, value: row.value, profileId: row.profile_id, createdAt: row.created_at, messageId: row.message_id }));
}

/** The profile an identifier points at, if any. */
export async function findIdentityOwner(db: Tx, workspaceId: string, identifier: Identifier): Promise<string | undefined> {
  const row = await db
    .selectFrom('identities')
    .select('profile_id')
    .where('workspace_id', '=', workspaceId)
    .where('type', '=', identifier.type)
    .where('value', '=', identifier.value)
    .executeTakeFirst();
  return row?.profile_id;
}

export function groupBySurvivor(moves: ReadonlyMap<string, string>): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [from, into] of moves) {
    const list = grouped.get(into);
    if (list) list.push(from);
    else grouped.set(into, [from]);
  }
  return grouped;
}

/** Deletes a workspace's identity graph (a replay derives it again). */
export async function deleteWorkspaceIdentities(trx: Tx, workspaceId: string): Promise<void> {
  await trx.deleteFrom('identities').where('workspace_id', '=', workspaceId).execute();
}
