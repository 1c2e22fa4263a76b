import type { Tx } from '../../storage/database.js';

export interface SnippetRecord {
  name: string;
  description: string;
  currentVersion: number;
  createdAt: number;
  updatedAt: number;
}

export interface SnippetVersionRecord {
  name: string;
  version: number;
  source: string;
  description: string;
  restoredFrom: number | null;
  createdAt: number;
}

type SnippetRow = { name: string; description: string; current_version: number; created_at: number; updated_at: number };
type VersionRow = { name: string; version: number; source: string; description: string; restored_from: number | null; created_at: number };

const toSnippet = (row: SnippetRow): SnippetRecord => ({
  name: row.name,
  description: row.description,
  currentVersion: row.current_version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toVersion = (row: VersionRow): SnippetVersionRecord => ({
  name: row.name,
  version: row.version,
  source: row.source,
  description: row.description,
  restoredFrom: row.restored_from,
  createdAt: row.created_at,
});

/** @example const snippet = await findSnippet(db, 'ws', 'footer'); */
export async function findSnippet(db: Tx, workspaceId: string, name: string): Promise<SnippetRecord | undefined> {
  const row = await db.selectFrom('snippets').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
  return row === undefined ? undefined : toSnippet(row);
}

/** A workspace's snippets, by name. */
export async function listSnippets(db: Tx, workspaceId: string): Promise<SnippetRecord[]> {
  const rows = await db.selectFrom('snippets').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').execute();
  return rows.map(toSnippet);
}

/** The current version of every snippet of a workspace (what renders include). */
export async function listCurrentSnippetSources(db: Tx, workspaceId: string): Promise<{ name: string; version: number; source: string }[]> {
  return db
    .selectFrom('snippets')
    .innerJoin('snippet_versions', (join) =>
      join.onRef('snippet_versions.workspace_id', '=', 'snippets.workspace_id').onRef('snippet_versions.name', '=', 'snippets.name').onRef('snippet_versions.version', '=', 'snippets.current_version'),
    )
    .select(['snippets.name as name', 'snippet_versions.version as version', 'snippet_versions.source as source'])
    .where('snippets.workspace_id', '=', workspaceId)
    .orderBy('snippets.name')
    .execute();
}

/** Writes a new version and makes it current (creating the snippet on its first version). */
export async function insertSnippetVersion(db: Tx, workspaceId: string, version: SnippetVersionRecord): Promise<void> {
  await db
    .insertInto('snippet_versions')
    .values({
      workspace_id: workspaceId,
      name: version.name,
      version: version.version,
      source: version.source,
      description: version.description,
      restored_from: version.restoredFrom,
      created_at: version.createdAt,
    })
    .execute();
  if (version.version === 1) {
    await db
      .insertInto('snippets')
      .values({ workspace_id: workspaceId, name: version.name, description: version.description, current_version: 1, created_at: version.createdAt, updated_at: version.createdAt })
      .execute();
    return;
  }
  await db
    .updateTable('snippets')
    .set({ description: version.description, current_version: version.version, updated_at: version.createdAt })
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', version.name)
    .execute();
}

/** Versions of a snippet, newest first, without their sources. */
export async function listSnippetVersions(db: Tx, workspaceId: string, name: string): Promise<Omit<SnippetVersionRecord, 'source'>[]> {
  const rows = await db
    .selectFrom('snippet_versions')
    .select(['name', 'version', 'description', 'restored_from', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((row) => ({ name: row.name, version: row.version, description: row.description, restoredFrom: row.restored_from, createdAt: row.created_at }));
}

/** @example const v2 = await findSnippetVersion(db, 'ws', 'footer', 2); */
export async function findSnippetVersion(db: Tx, workspaceId: string, name: string, version: number): Promise<SnippetVersionRecord | undefined> {
  const row = await db.selectFrom('snippet_versions').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name).where('version', '=', version).executeTakeFirst();
  return row === undefined ? undefined : toVersion(row);
}

/** Deletes a snippet and its versions; false when it did not exist. */
export async function deleteSnippet(db: Tx, workspaceId: string, name: string): Promise<boolean> {
  const result = await db.deleteFrom('snippets').where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
  await db.deleteFrom('snippet_versions').where('workspace_id', '=', workspaceId).where('name', '=', name).execute();
  return Number(result.numDeletedRows) > 0;
}
