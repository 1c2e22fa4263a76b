import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import { insertAuditEntry, listAuditEntries, type AuditEntry } from './store/audit-log.js';

export type { AuditEntry };

/** What the HTTP layer knows about one admin change. */
export type AuditRecord = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

// Ids sort by creation within one millisecond, so (at, id) pages never skip or repeat an entry.
let sequence = 0;
function entryId(at: number): string {
  sequence = (sequence + 1) % 1_000_000;
  return `aud_${at.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}${randomId('', 4)}`;
}

/**
 * The audit log of admin changes: one entry per changing admin call, never a body or a secret.
 * @example await audit.record({ workspaceId, tokenId, method: 'DELETE', route: '/api/v1/segments/:id', resourceIds: { id }, status: 204, ip });
 */
export class AuditLog {
  constructor(private readonly deps: { database: Database; clock: Clock }) {}

  async record(record: AuditRecord): Promise<void> {
    const at = this.deps.clock.now();
    await insertAuditEntry(this.deps.database.db, { ...record, id: entryId(at), at });
  }

  async list(workspaceId: string, query: { from?: number | undefined; to?: number | undefined; cursor?: string | undefined; limit?: number | undefined }): Promise<AuditPage> {
    const limit = query.limit ?? 100;
    const before = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    const entries = await listAuditEntries(this.deps.database.db, workspaceId, { from: query.from, to: query.to, before, limit });
    const last = entries.at(-1);
    return { entries, nextCursor: entries.length === limit && last !== undefined ? `${last.at}.${last.id}` : null };
  }
}

function parseCursor(cursor: string): { at: number; id: string } {
  const match = /^(\d{1,16})\.(aud_[A-Za-z0-9_-]{1,64})$/.exec(cursor);
  if (match === null || match[1] === undefined || match[2] === undefined) {
    throw new RapportError('workspace.cursor_invalid', 'cursor must be the nextCursor of a previous page', [{ field: 'cursor', rule: 'format', message: 'use nextCursor as given' }]);
  }
  return { at: Number(match[1]), id: match[2] };
}
