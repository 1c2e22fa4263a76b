import { sql } from 'kysely';
import type { Tx } from '../../storage/database.js';

export interface TemplateRecord {
  id: string;
  name: string;
  channel: string;
  publishedVersion: number | null;
  latestVersion: number;
  createdAt: number;
  updatedAt: number;
}

export interface TemplateVersionRecord {
  templateId: string;
  version: number;
  /** JSON text of the source. */
  content: string;
  /** JSON text of the compiled locales. */
  compiled: string;
  createdAt: number;
}

type TemplateRow = { id: string; name: string; channel: string; published_version: number | null; latest_version: number; created_at: number; updated_at: number };

const toTemplate = (row: TemplateRow): TemplateRecord => ({
  id: row.id,
  name: row.name,
  channel: row.channel,
  publishedVersion: row.published_version,
  latestVersion: row.latest_version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** @example const template = await findTemplate(db, 'ws', 'tpl_1'); */
export async function findTemplate(db: Tx, workspaceId: string, id: string): Promise<TemplateRecord | undefined> {
  const row = await db.selectFrom('templates').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toTemplate(row);
}

/** Templates of a workspace, by name. */
export async function listTemplates(db: Tx, workspaceId: string): Promise<TemplateRecord[]> {
  const rows = await db.selectFrom('templates').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').orderBy('id').execute();
  return rows.map(toTemplate);
}

/** Inserts a template with its first version. */
export async function insertTemplate(db: Tx, workspaceId: string, template: TemplateRecord, version: TemplateVersionRecord): Promise<void> {
  await db
    .insertInto('templates')
    .values({
      workspace_id: workspaceId,
      id: template.id,
      name: template.name,
      channel: template.channel,
      published_version: template.publishedVersion,
      latest_version: template.latestVersion,
      created_at: template.createdAt,
      updated_at: template.updatedAt,
    })
    .execute();
  await insertTemplateVersion(db, workspaceId, version);
}

export async function insertTemplateVersion(db: Tx, workspaceId: string, version: TemplateVersionRecord): Promise<void> {
  await db
    .insertInto('template_versions')
    .values({ workspace_id: workspaceId, template_id: version.templateId, version: version.version, content: version.content, compiled: version.compiled, created_at: version.createdAt })
    .execute();
}

/** Changes a template's row; with `fromVersion`, only while its latest version is still that one (compare-and-set): false when it is not. */
export async function updateTemplate(
  db: Tx,
  workspaceId: string,
  id: string,
  changes: { name?: string; publishedVersion?: number | null; latestVersion?: number; updatedAt: number },
  fromVersion?: number,
): Promise<boolean> {
  let query = db
    .updateTable('templates')
    .set({
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.publishedVersion === undefined ? {} : { published_version: changes.publishedVersion }),
      ...(changes.latestVersion === undefined ? {} : { latest_version: changes.latestVersion }),
      updated_at: changes.updatedAt,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id);
  if (fromVersion !== undefined) query = query.where('latest_version', '=', fromVersion);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** @example const version = await findTemplateVersion(db, 'ws', 'tpl_1', 3); */
export async function findTemplateVersion(db: Tx, workspaceId: string, templateId: string, version: number): Promise<TemplateVersionRecord | undefined> {
  const row = await db.selectFrom('template_versions').selectAll().where('workspace_id', '=', workspaceId).where('template_id', '=', templateId).where('version', '=', version).executeTakeFirst();
  return row === undefined ? undefined : { templateId: row.template_id, version: row.version, content: row.content, compiled: row.compiled, createdAt: row.created_at };
}

export async function deleteTemplate(db: Tx, workspaceId: string, id: string): Promise<boolean> {
  await db.deleteFrom('template_versions').where('workspace_id', '=', workspaceId).where('template_id', '=', id).execute();
  const result = await db.deleteFrom('templates').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Which of these template ids exist in the workspace (journeys check the templates their nodes name). */
export async function existingTemplateIds(db: Tx, workspaceId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('templates').select('id').where('workspace_id', '=', workspaceId).where('id', 'in', ids).execute();
  return new Set(rows.map((row) => row.id));
}

/** A template version, by template id and version number. */
export interface TemplateVersionKey {
  templateId: string;
  version: number;
}

/** The template versions whose content fills a recommendations slot (analytics counts their sends). */
export async function versionsFillingRecommendationSlots(db: Tx, workspaceId: string): Promise<TemplateVersionKey[]> {
  const rows = await db
    .selectFrom('template_versions')
    .select(['template_id', 'version'])
    .where('workspace_id', '=', workspaceId)
    // The Liquid filter that fills a slot: `'cart_complements' | recommendations: 3`.
    .where(sql<boolean>`(content like ${'%| recommendations%'} or content like ${'%|recommendations%'})`)
    .execute();
  return rows.map((row) => ({ templateId: row.template_id, version: Number(row.version) }));
}
