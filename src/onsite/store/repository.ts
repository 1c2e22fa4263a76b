import { sql } from 'kysely';
import type { Tx } from '../../storage/database.js';
import './tables.js';

/** A campaign row as the service reads it (the definition still JSON text). */
export interface CampaignRecord {
  id: string;
  name: string;
  type: string;
  state: string;
  priority: number;
  definition: string;
  createdAt: number;
  updatedAt: number;
}

type CampaignRow = { id: string; name: string; type: string; state: string; priority: number; definition: string; created_at: number; updated_at: number };

const toRecord = (row: CampaignRow): CampaignRecord => ({
  id: row.id,
  name: row.name,
  type: row.type,
  state: row.state,
  priority: Number(row.priority),
  definition: row.definition,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

const campaignColumns = ['id', 'name', 'type', 'state', 'priority', 'definition', 'created_at', 'updated_at'] as const;

export async function insertCampaign(db: Tx, workspaceId: string, record: CampaignRecord): Promise<void> {
  await db
    .insertInto('onsite_campaigns')
    .values({
      workspace_id: workspaceId,
      id: record.id,
      name: record.name,
      type: record.type,
      state: record.state,
      priority: record.priority,
      definition: record.definition,
      created_at: record.createdAt,
      updated_at: record.updatedAt,
    })
    .execute();
}

/** Replaces a campaign's row; with `expectedUpdatedAt`, only if nobody saved it since (compare-and-set): false when someone did. */
export async function updateCampaign(db: Tx, workspaceId: string, record: CampaignRecord, expectedUpdatedAt?: number): Promise<boolean> {
  let query = db
    .updateTable('onsite_campaigns')
    .set({ name: record.name, type: record.type, state: record.state, priority: record.priority, definition: record.definition, updated_at: record.updatedAt })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', record.id);
  if (expectedUpdatedAt !== undefined) query = query.where('updated_at', '=', expectedUpdatedAt);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function findCampaign(db: Tx, workspaceId: string, id: string): Promise<CampaignRecord | undefined> {
  const row = await db.selectFrom('onsite_campaigns').select(campaignColumns).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** Every campaign of the workspace, highest priority first, then oldest first. */
export async function listCampaigns(db: Tx, workspaceId: string, states?: readonly string[]): Promise<CampaignRecord[]> {
  let query = db.selectFrom('onsite_campaigns').select(campaignColumns).where('workspace_id', '=', workspaceId);
  if (states !== undefined) query = query.where('state', 'in', [...states]);
  const rows = await query.orderBy('priority', 'desc').orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
  return rows.map(toRecord);
}

export async function deleteCampaign(db: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('onsite_campaigns').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface SettingsRecord {
  settings: string;
  secret: string | null;
  revision: number;
}

export async function readSettings(db: Tx, workspaceId: string): Promise<SettingsRecord | undefined> {
  const row = await db.selectFrom('onsite_settings').select(['settings', 'secret', 'revision']).where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row === undefined ? undefined : { settings: row.settings, secret: row.secret, revision: Number(row.revision) };
}

/** The revision alone: the per-request freshness check of the config cache. */
export async function readRevision(db: Tx, workspaceId: string): Promise<number> {
  const row = await db.selectFrom('onsite_settings').select('revision').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row === undefined ? 0 : Number(row.revision);
}

/** Writes settings and/or the secret and bumps the revision (creating the row on first write). */
export async function writeSettings(db: Tx, workspaceId: string, change: { settings?: string; secret?: string }, defaults: string, now: number): Promise<void> {
  await db
    .insertInto('onsite_settings')
    .values({ workspace_id: workspaceId, settings: change.settings ?? defaults, secret: change.secret ?? null, revision: 1, updated_at: now })
    .onConflict((conflict) =>
      conflict.column('workspace_id').doUpdateSet((eb) => ({
        ...(change.settings === undefined ? {} : { settings: change.settings }),
        ...(change.secret === undefined ? {} : { secret: change.secret }),
        revision: eb(eb.ref('onsite_settings.revision'), '+', 1),
        updated_at: now,
      })),
    )
    .execute();
}

export async function insertQueued(
  db: Tx,
  workspaceId: string,
  row: { key: string; profileId: string; campaignId: string; journeyId: string | null; createdAt: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('onsite_queue')
    .values({ workspace_id: workspaceId, key: row.key, profile_id: row.profileId, campaign_id: row.campaignId, journey_id: row.journeyId, created_at: row.createdAt, expires_at: row.expiresAt })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'key']).doNothing())
    .execute();
}

/** What the visitor endpoint reads from this module's tables for one visitor, in one statement. */
export interface VisitorRecords {
  queued: { campaignId: string; journeyId: string | null; expiresAt: number }[];
  converted: string[];
  /** Days with a visit in (sinceDay, beforeDay). */
  visitDays: number;
}

/**
 * The profiles' queued messages (unexpired, oldest first, at most 20), the campaigns they
 * converted (at most 200) and the visitor's visit days, as one `union all`: one round trip per
 * visitor request instead of three.
 */
export async function visitorRecords(
  db: Tx,
  workspaceId: string,
  query: { profileIds: readonly string[]; visitor: string; now: number; sinceDay: number; beforeDay: number },
): Promise<VisitorRecords> {
  const visits = db
    .selectFrom('onsite_visits')
    .select([
      sql<string>`'v'`.as('kind'),
      sql<string | null>`cast(null as text)`.as('campaign_id'),
      sql<string | null>`cast(null as text)`.as('journey_id'),
      (eb) => eb.fn.countAll<number | string>().as('n'),
      sql<number | string>`0`.as('m'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('visitor', '=', query.visitor)
    .where('day', '>', query.sinceDay)
    .where('day', '<', query.beforeDay);
  let rows;
  if (query.profileIds.length === 0) rows = await visits.execute();
  else {
    const ids = [...query.profileIds];
    const queued = db
      .selectFrom('onsite_queue')
      .select(['campaign_id', 'journey_id', 'created_at', 'expires_at'])
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', ids)
      .where('expires_at', '>', query.now)
      .orderBy('created_at', 'asc')
      .limit(20)
      .as('q');
    const converted = db.selectFrom('onsite_conversions').select('campaign_id').distinct().where('workspace_id', '=', workspaceId).where('profile_id', 'in', ids).limit(200).as('c');
    rows = await db
      .selectFrom(queued)
      .select([
        sql<string>`'q'`.as('kind'),
        sql<string | null>`q.campaign_id`.as('campaign_id'),
        'q.journey_id',
        sql<number | string>`q.created_at`.as('n'),
        sql<number | string>`q.expires_at`.as('m'),
      ])
      .unionAll(
        db
          .selectFrom(converted)
          .select([
            sql<string>`'c'`.as('kind'),
            sql<string | null>`c.campaign_id`.as('campaign_id'),
            sql<string | null>`cast(null as text)`.as('journey_id'),
            sql<number | string>`0`.as('n'),
            sql<number | string>`0`.as('m'),
          ]),
      )
      .unionAll(visits)
      .execute();
  }
  const result: VisitorRecords = { queued: [], converted: [], visitDays: 0 };
  const queuedRows: { campaignId: string; journeyId: string | null; expiresAt: number; at: number }[] = [];
  for (const row of rows) {
    if (row.kind === 'v') result.visitDays = Number(row.n);
    else if (row.campaign_id === null) continue;
    else if (row.kind === 'q') queuedRows.push({ campaignId: row.campaign_id, journeyId: row.journey_id, expiresAt: Number(row.m), at: Number(row.n) });
    else result.converted.push(row.campaign_id);
  }
  // A union keeps no order: the queue is shown oldest first.
  result.queued = queuedRows.sort((a, b) => a.at - b.at).map((row) => ({ campaignId: row.campaignId, journeyId: row.journeyId, expiresAt: row.expiresAt }));
  return result;
}

export async function insertVisitDays(db: Tx, rows: readonly { workspaceId: string; visitor: string; day: number }[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500).map((row) => ({ workspace_id: row.workspaceId, visitor: row.visitor, day: row.day }));
    await db
      .insertInto('onsite_visits')
      .values(chunk)
      .onConflict((conflict) => conflict.columns(['workspace_id', 'visitor', 'day']).doNothing())
      .execute();
  }
}

export async function recordConversion(db: Tx, workspaceId: string, row: { profileId: string; campaignId: string; kind: 'reveal' | 'submit'; at: number }): Promise<void> {
  await db
    .insertInto('onsite_conversions')
    .values({ workspace_id: workspaceId, profile_id: row.profileId, campaign_id: row.campaignId, kind: row.kind, at: row.at })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'profile_id', 'campaign_id', 'kind']).doNothing())
    .execute();
}

/** Which of these profiles already revealed the campaign's coupon (its code is bound to that id). */
export async function revealedBy(db: Tx, workspaceId: string, campaignId: string, profileIds: readonly string[]): Promise<string | undefined> {
  const row = await db
    .selectFrom('onsite_conversions')
    .select('profile_id')
    .where('workspace_id', '=', workspaceId)
    .where('campaign_id', '=', campaignId)
    .where('kind', '=', 'reveal')
    .where('profile_id', 'in', [...profileIds])
    .orderBy('at')
    .limit(1)
    .executeTakeFirst();
  return row?.profile_id;
}

/** Erasure: what the module holds about these profiles and anonymous ids; returns rows removed. */
export async function deletePersonalData(db: Tx, workspaceId: string, profileIds: readonly string[], anonymousIds: readonly string[]): Promise<number> {
  let removed = 0;
  if (profileIds.length > 0) {
    const queue = await db
      .deleteFrom('onsite_queue')
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', [...profileIds])
      .executeTakeFirst();
    const conversions = await db
      .deleteFrom('onsite_conversions')
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', [...profileIds])
      .executeTakeFirst();
    removed += Number(queue.numDeletedRows) + Number(conversions.numDeletedRows);
  }
  const visitors = [...profileIds.map((id) => `p:${id}`), ...anonymousIds.map((id) => `a:${id}`)];
  if (visitors.length > 0) {
    const visits = await db.deleteFrom('onsite_visits').where('workspace_id', '=', workspaceId).where('visitor', 'in', visitors).executeTakeFirst();
    removed += Number(visits.numDeletedRows);
  }
  return removed;
}

/** Export: the person's conversions and queued messages. */
export async function personalData(
  db: Tx,
  workspaceId: string,
  profileIds: readonly string[],
): Promise<{ conversions: { campaignId: string; kind: string; at: string }[]; queued: { campaignId: string; journeyId: string | null }[] }> {
  if (profileIds.length === 0) return { conversions: [], queued: [] };
  const conversions = await db
    .selectFrom('onsite_conversions')
    .select(['campaign_id', 'kind', 'at'])
    .where('workspace_id', '=', workspaceId)
    .where('profile_id', 'in', [...profileIds])
    .execute();
  const queued = await db
    .selectFrom('onsite_queue')
    .select(['campaign_id', 'journey_id'])
    .where('workspace_id', '=', workspaceId)
    .where('profile_id', 'in', [...profileIds])
    .execute();
  return {
    conversions: conversions.map((row) => ({ campaignId: row.campaign_id, kind: row.kind, at: new Date(Number(row.at)).toISOString() })),
    queued: queued.map((row) => ({ campaignId: row.campaign_id, journeyId: row.journey_id })),
  };
}
