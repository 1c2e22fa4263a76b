import type { Profile } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import type { MessageLog } from './message-log.js';
import { listInbox, markInbox } from './store/inbox.js';

/** One inbox message as the SDK shows it. */
export interface InboxEntry {
  id: string;
  title: string;
  body: string;
  url: string | null;
  createdAt: string;
  read: boolean;
}

/** A person's on-site inbox: the messages the inbox channel delivered, read and dismissed by the SDK. */
export class Inbox {
  constructor(private readonly deps: { database: Database; clock: Clock; log: MessageLog }) {}

  /** A person's inbox, newest first, dismissed messages left out. */
  async list(workspaceId: string, profile: Pick<Profile, 'id' | 'mergedFrom'>, limit: number): Promise<InboxEntry[]> {
    const rows = await listInbox(this.deps.database.db, workspaceId, [profile.id, ...profile.mergedFrom], { limit, includeDismissed: false });
    return rows.map((row) => ({ id: row.id, title: row.title, body: row.body, url: row.url, createdAt: new Date(row.createdAt).toISOString(), read: row.readAt !== null }));
  }

  /** Marks an inbox message read (an open of the message) or dismissed; false when unknown or already so. */
  async mark(workspaceId: string, profile: Pick<Profile, 'id' | 'mergedFrom'>, id: string, state: 'read' | 'dismiss'): Promise<boolean> {
    const now = this.deps.clock.now();
    const changed = await this.deps.database.transaction((trx) => markInbox(trx, workspaceId, [profile.id, ...profile.mergedFrom], id, state === 'read' ? 'read_at' : 'dismissed_at', now));
    if (changed && state === 'read') await this.deps.log.advance(workspaceId, id, 'opened');
    return changed;
  }
}
