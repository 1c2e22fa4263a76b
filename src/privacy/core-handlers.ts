import {
  clearExportResults,
  deleteRejected,
  detachCoupons,
  eraseByProfile,
  eraseEvents,
  eraseProfiles,
  eraseSuppressions,
  exportByProfile,
  exportCoupons,
  exportEvents,
  exportProfiles,
  exportSuppressions,
  readRejectedPage,
  type RejectedEventRow,
  type Subject,
} from './store/personal-data.js';
import type { Tx } from '../storage/database.js';
import { mentions, needlesOf } from './mentions.js';
import type { PersonalDataHandler, PrivacyRegistry } from './privacy-registry.js';

/** Quarantined events that name the person (their payload was never resolved to a profile, so every row is read). */
async function rejectedOf(db: Tx, subject: Subject): Promise<RejectedEventRow[]> {
  const needles = needlesOf(subject);
  if (needles.values.size === 0 && needles.phoneDigits.length === 0) return [];
  const found: RejectedEventRow[] = [];
  let after = '';
  for (;;) {
    const page = await readRejectedPage(db, subject.workspaceId, after, 1000);
    for (const row of page) if (mentions(row.payload, needles) || mentions(row.message, needles)) found.push(row);
    const last = page.at(-1);
    if (last === undefined || page.length < 1000) break;
    after = last.id;
  }
  return found;
}

/**
 * Handlers for the tables of the core platform (events, identities, profiles and merges,
 * timeline, scores) and of the channels module (messages, consent ledger, suppressions, push
 * subscriptions, inbox, coupons, earlier exports) and the ingest quarantine. Order matters: the timeline is read to find
 * the events, so events go first.
 */
const handlers: PersonalDataHandler[] = [
  { name: 'events', erase: eraseEvents, export: exportEvents },
  { name: 'profile_events', erase: (trx, subject) => eraseByProfile(trx, 'profile_events', subject) },
  { name: 'identities', erase: (trx, subject) => eraseByProfile(trx, 'identities', subject), export: (db, subject) => exportByProfile(db, 'identities', subject) },
  { name: 'profile_scores', erase: (trx, subject) => eraseByProfile(trx, 'profile_scores', subject), export: (db, subject) => exportByProfile(db, 'profile_scores', subject) },
  { name: 'profiles', erase: eraseProfiles, export: exportProfiles },
  { name: 'messages', erase: (trx, subject) => eraseByProfile(trx, 'messages', subject), export: (db, subject) => exportByProfile(db, 'messages', subject) },
  { name: 'consent_records', erase: (trx, subject) => eraseByProfile(trx, 'consent_records', subject), export: (db, subject) => exportByProfile(db, 'consent_records', subject) },
  { name: 'suppressions', erase: eraseSuppressions, export: exportSuppressions },
  { name: 'push_subscriptions', erase: (trx, subject) => eraseByProfile(trx, 'push_subscriptions', subject), export: (db, subject) => exportByProfile(db, 'push_subscriptions', subject) },
  { name: 'inbox_messages', erase: (trx, subject) => eraseByProfile(trx, 'inbox_messages', subject), export: (db, subject) => exportByProfile(db, 'inbox_messages', subject) },
  { name: 'coupons', erase: detachCoupons, export: exportCoupons },
  {
    name: 'rejected_events',
    erase: async (trx, subject) =>
      deleteRejected(
        trx,
        subject.workspaceId,
        (await rejectedOf(trx, subject)).map((row) => row.id),
      ),
    export: async (db, subject) => (await rejectedOf(db, subject)).map((row) => ({ receivedAt: new Date(row.receivedAt).toISOString(), code: row.code, message: row.message, payload: row.payload })),
  },
  { name: 'privacy_exports', erase: clearExportResults },
];

/** Registers the core and channel tables. @example registerCoreHandlers(registry); */
export function registerCoreHandlers(registry: PrivacyRegistry): void {
  for (const handler of handlers) registry.register(handler);
}
