import type { ProfileEvents, ChannelName } from '../channels/index.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import { consentTopicSavedAt, insertConsentTopic, listConsentTopics, updateConsentTopic } from './store/consent-topics.js';
import { expectedUpdatedAt, staleEdit } from '../shared/expected-update.js';
import { addSuppression, findSuppression, insertConsentRecord, listConsentRecords, listSuppressions, removeSuppression, type Suppression } from './store/consent.js';
import { builtInTopicKeys, builtInTopicNames } from './built-in-topics.js';
import { currentPreferences, type ConsentChange, type ConsentStatus } from './consent.js';

export const suppressionReasons = ['bounced', 'complained', 'unsubscribed', 'manual'] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

/** Topics every workspace starts with; a workspace may relabel them and add its own. */
const builtInTopics: readonly { key: string; label: string }[] = builtInTopicKeys.map((key) => ({ key, label: builtInTopicNames.en[key] }));

const TOPIC_KEY = /^[a-z0-9_-]{1,64}$/;

/** A consent topic as the API shows it. */
export interface ConsentTopic {
  key: string;
  label: string;
  /** One of the topics every workspace starts with (it can be relabelled, not removed). */
  builtIn: boolean;
  updatedAt: string | null;
}

export interface ConsentInput {
  channel: ChannelName;
  /** `all` (the channel as a whole, the default) or a topic such as `promotions`. */
  topic?: string;
  status: ConsentStatus;
  /** Where the change came from: `unsubscribe_page`, `sms_stop`, `double_opt_in`, `admin`, `form`... */
  source: string;
  /** The address the person used (suppressed on unsubscribe). */
  address?: string | undefined;
}

/**
 * Consent per channel and topic with its source and time (an append-only ledger), and the
 * suppression list. A channel-wide change is also appended to the event log as `Subscribed` /
 * `Unsubscribed`, so the profile's consent (and segments on it) follow.
 * @example await consent.record('ws', 'prf_1', { channel: 'email', status: 'unsubscribed', source: 'unsubscribe_page' });
 */
export class ConsentService {
  constructor(private readonly deps: { database: Database; clock: Clock; events: ProfileEvents }) {}

  async record(workspaceId: string, profileId: string, input: ConsentInput): Promise<ConsentChange> {
    const topic = input.topic ?? 'all';
    if (!/^[a-z0-9_-]{1,64}$/.test(topic)) throw new RapportError('consent.topic_invalid', `topic must be 1-64 lower-case letters, digits, - or _, got "${topic}"`);
    const change: ConsentChange = { channel: input.channel, topic, status: input.status, source: input.source, at: this.deps.clock.now() };
    await this.deps.database.transaction(async (trx) => {
      await insertConsentRecord(trx, workspaceId, { id: randomId('cns', 12), profileId, ...change });
      const address = input.address === undefined ? undefined : normalizeAddress(input.channel, input.address);
      if (address !== undefined && topic === 'all') {
        if (input.status === 'unsubscribed') await addSuppression(trx, workspaceId, { channel: input.channel, address, reason: 'unsubscribed', createdAt: change.at });
        else if (input.status === 'subscribed') {
          const existing = await findSuppression(trx, workspaceId, input.channel, address);
          // Opting in again lifts an unsubscribe, never a bounce or a complaint.
          if (existing?.reason === 'unsubscribed') await removeSuppression(trx, workspaceId, input.channel, address);
        }
      }
    });
    if (topic === 'all' && input.status !== 'pending' && (input.channel === 'email' || input.channel === 'sms' || input.channel === 'push')) {
      await this.deps.events.track(
        workspaceId,
        profileId,
        input.status === 'subscribed' ? 'Subscribed' : 'Unsubscribed',
        { channel: input.channel, source: input.source },
        `consent:${profileId}:${input.channel}:${change.at}:${input.status}`,
      );
    }
    return change;
  }

  /** The workspace's topics: the built-in ones (with its labels) first, then its own by key. */
  async topics(workspaceId: string): Promise<ConsentTopic[]> {
    const stored = new Map((await listConsentTopics(this.deps.database.db, workspaceId)).map((record) => [record.key, record]));
    const builtIn = builtInTopics.map((topic) => {
      const own = stored.get(topic.key);
      return { key: topic.key, label: own?.label ?? topic.label, builtIn: true, updatedAt: own === undefined ? null : new Date(own.updatedAt).toISOString() };
    });
    const added = [...stored.values()]
      .filter((record) => !builtInTopics.some((topic) => topic.key === record.key))
      .map((record) => ({ key: record.key, label: record.label, builtIn: false, updatedAt: new Date(record.updatedAt).toISOString() }));
    return [...builtIn, ...added];
  }

  /** Adds a topic; `consent.topic_exists` when the key is taken (built-in keys included). */
  async addTopic(workspaceId: string, input: { key: string; label: string }): Promise<ConsentTopic> {
    if (!TOPIC_KEY.test(input.key) || input.key === 'all') {
      throw new RapportError('consent.topic_invalid', `topic key must be 1-64 lower-case letters, digits, - or _ (and not "all"), got "${input.key}"`, [
        { field: 'key', rule: 'pattern', message: 'lower-case letters, digits, - or _, e.g. back_in_stock' },
      ]);
    }
    const label = labelOf(input.label);
    const now = this.deps.clock.now();
    const taken = builtInTopics.some((topic) => topic.key === input.key) || !(await insertConsentTopic(this.deps.database.db, workspaceId, { key: input.key, label, createdAt: now, updatedAt: now }));
    if (taken) throw new RapportError('consent.topic_exists', `a topic "${input.key}" exists already; change its label instead`, [{ field: 'key', rule: 'unique', message: 'this key is taken' }]);
    return { key: input.key, label, builtIn: false, updatedAt: new Date(now).toISOString() };
  }

  /**
   * Relabels a topic (a built-in one keeps its key and gets the workspace's label). With
   * `expectedUpdatedAt` (the updatedAt the editor read, `never` for a built-in topic never
   * relabelled), a label saved by someone else since answers `consent.topic_edit_conflict`.
   */
  async updateTopic(workspaceId: string, key: string, input: { label: string }, options: { expectedUpdatedAt?: string } = {}): Promise<ConsentTopic> {
    const label = labelOf(input.label);
    const expected = expectedUpdatedAt(options.expectedUpdatedAt, `topic "${key}"`);
    const now = this.deps.clock.now();
    const builtIn = builtInTopics.some((topic) => topic.key === key);
    const { db } = this.deps.database;
    // `never` may only create the stored label of a built-in topic; a time only updates that copy.
    const insert = async () => builtIn && (await insertConsentTopic(db, workspaceId, { key, label, createdAt: now, updatedAt: now }));
    const updated = expected === null ? await insert() : (await updateConsentTopic(db, workspaceId, key, label, now, expected)) || (expected === undefined && (await insert()));
    if (!updated) {
      const storedAt = await consentTopicSavedAt(db, workspaceId, key);
      if (expected !== undefined && (storedAt !== undefined || builtIn)) throw new RapportError('consent.topic_edit_conflict', ...staleEdit(`topic "${key}"`, storedAt));
      throw new RapportError('not_found', `no consent topic "${key}"`);
    }
    return { key, label, builtIn, updatedAt: new Date(now).toISOString() };
  }

  /** Every change of one person, oldest first (the audit trail). */
  async ledger(workspaceId: string, profileIds: readonly string[]): Promise<ConsentChange[]> {
    const rows = await listConsentRecords(this.deps.database.db, workspaceId, profileIds);
    return rows.map((row) => ({
      channel: row.channel,
      topic: row.topic,
      status: row.status === 'subscribed' || row.status === 'pending' ? row.status : 'unsubscribed',
      source: row.source,
      at: row.at,
    }));
  }

  async preferences(workspaceId: string, profileIds: readonly string[]): Promise<Record<string, Record<string, ConsentStatus>>> {
    return currentPreferences(await this.ledger(workspaceId, profileIds));
  }

  async suppress(workspaceId: string, channel: ChannelName, address: string, reason: SuppressionReason): Promise<void> {
    await this.deps.database.transaction((trx) => addSuppression(trx, workspaceId, { channel, address: normalizeAddress(channel, address), reason, createdAt: this.deps.clock.now() }));
  }

  async unsuppress(workspaceId: string, channel: ChannelName, address: string): Promise<boolean> {
    return this.deps.database.transaction((trx) => removeSuppression(trx, workspaceId, channel, normalizeAddress(channel, address)));
  }

  async suppression(workspaceId: string, channel: ChannelName, address: string): Promise<Suppression | undefined> {
    return findSuppression(this.deps.database.db, workspaceId, channel, normalizeAddress(channel, address));
  }

  async listSuppressions(workspaceId: string, options: { channel?: ChannelName; limit?: number } = {}): Promise<Suppression[]> {
    return listSuppressions(this.deps.database.db, workspaceId, { ...(options.channel === undefined ? {} : { channel: options.channel }), limit: Math.min(options.limit ?? 100, 1000) });
  }
}

/** Addresses are compared lower-cased (email) and trimmed. */
export function normalizeAddress(channel: string, address: string): string {
  const trimmed = address.trim();
  return channel === 'email' ? trimmed.toLowerCase() : trimmed;
}

function labelOf(value: string): string {
  const label = value.trim();
  if (label === '' || label.length > 200) throw new RapportError('consent.topic_invalid', 'a topic label is 1-200 characters', [{ field: 'label', rule: 'length', message: '1-200 characters' }]);
  return label;
}
