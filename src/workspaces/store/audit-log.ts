import type { Tx } from '../../storage/database.js';

/** One admin change: who (token), what (method, route pattern, ids), when, from where, and how it ended. */
export interface AuditEntry {
  workspaceId: string;
  id: string;
  at: number;
  tokenId: string;
  method: string;
  route: string;
  resourceIds: Record<string, string>;
  status: number;
  ip: string;
}

export async function insertAuditEntry(db: Tx, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      workspace_id: entry.workspaceId,
      id: entry.id,
      at: entry.at,
      token_id: entry.tokenId,
      method: entry.method,
      route: entry.route,
      resource_ids: JSON.stringify(entry.resourceIds),
      status: entry.status,
      ip: entry.ip,
    })
    .execute();
}

function toIds(text: string): Record<string, string> {
  const parsed: unknown = JSON.parse(text);
  const ids: Record<string, string> = Object.create(null);
  if (typeof parsed === 'object' && parsed !== null) {
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') ids[key] = value;
  }
  return ids;
}

/** Newest first; `before` is the (at, id) of the last entry of the previous page. */
export async function listAuditEntries(
  db: Tx,
  workspaceId: string,
  query: { from: number | undefined; to: number | undefined; before: { at: number; id: string } | undefined; limit: number },
): Promise<AuditEntry[]> {
  let select = db.selectFrom('audit_log').selectAll().where('workspace_id', '=', workspaceId);
  if (query.from !== undefined) select = select.where('at', '>=', query.from);
  if (query.to !== undefined) select = select.where('at', '<', query.to);
  const before = query.before;
  if (before !== undefined) select = select.where((eb) => eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]));
  const rows = await select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map((row) => ({
    workspaceId: row.workspace_id,
    id: row.id,
    at: row.at,
    tokenId: row.token_id,
    method: row.method,
    route: row.route,
    resourceIds: toIds(row.resource_ids),
    status: row.status,
    ip: row.ip,
  }));
}
