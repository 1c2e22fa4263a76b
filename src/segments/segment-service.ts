import { Readable } from 'node:stream';
import { OutboundGuard, operatorOnly, generateWebhookSecret } from '../channels/index.js';
import { normalizeIdentifier, normalizeIdentifierType, defaultIdentityRules, findIdentityOwner, type IdentityRules } from '../identity/index.js';
import { readRecords } from '../imports/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import type { SecretBox } from '../shared/secret-box.js';
import { randomId } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import { readProfileScores, countLiveProfiles, loadProfiles, profileIdsAfter, eventsOfProfiles } from '../profiles/index.js';
import {
  countMembers,
  deleteSegment,
  deliveryCounts,
  getSegment,
  historyCounts,
  historyOf,
  insertSegment,
  listMembers,
  listSegments,
  membershipsOf,
  netMembersBefore,
  segmentsOfProfile,
  updateSegment,
  allDestinations,
  setDestination,
  type SegmentRecord,
} from './store/segments.js';
import { assertNoCycle } from './compile.js';
import { parseCondition, referencedSegments, type Condition } from './condition.js';
import type { Segment } from './segment.js';
import type { SegmentEngine, Transition } from './engine.js';
import { evaluateCondition, explainCondition, type ConditionExplanation, type SegmentSubject } from './evaluate.js';
import { eventStatSpecs, statsFromEvents } from './event-stats.js';
import { parseDestination, resealDestination, sealDestination, shownDestinationUrl, type WebhookDestination } from './webhook.js';

export type { Segment } from './segment.js';

export interface SegmentInput {
  name: string;
  description?: string | undefined;
  condition: unknown;
  destination?: WebhookDestination | null | undefined;
}

export interface Estimate {
  /** Members the condition would have now (extrapolated from the sample unless `exact`). */
  size: number;
  exact: boolean;
  /** Profiles evaluated, of `total`. */
  scanned: number;
  total: number;
  /** Up to `sampleSize` matching profile ids. */
  sample: string[];
}

export interface SegmentServiceDeps {
  database: Database;
  engine: SegmentEngine;
  clock?: Clock;
  /** Called when a backfill should start (a create or an edit of the condition). */
  onBackfillNeeded?: () => void;
  identityRules?: (workspaceId: string) => IdentityRules;
  /** Seals destination secrets at rest (the same box the webhook deliverer opens with). */
  secrets: SecretBox;
  /** Refuses private destinations when they are set; default no operator allow list. */
  guard?: OutboundGuard;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
const maxNameLength = 200;

/** Someone saved the segment after the editor read it: a 409 naming the version now stored. */
function editConflict(id: string, updatedAt: number): RapportError {
  const at = new Date(updatedAt).toISOString();
  return new RapportError('segment.edit_conflict', `segment ${id} was changed by someone else at ${at}; reload it and apply your edit again`, [
    { field: 'expectedUpdatedAt', rule: 'conflict', message: at },
  ]);
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Segments and audiences: definitions (validated, cycle-free), backfills, estimates, members,
 * explanations, counts over time, CSV export, static lists and retargeting audiences.
 * @example const segment = await segments.create('ws', { name: 'Buyers', condition: { type: 'computed', key: 'orders', op: 'gte', value: 1 } });
 */
export class SegmentService {
  readonly #deps: SegmentServiceDeps;
  readonly #clock: Clock;

  constructor(deps: SegmentServiceDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
  }

  get engine(): SegmentEngine {
    return this.#deps.engine;
  }

  private get db() {
    return this.#deps.database.db;
  }

  private async toSegment(workspaceId: string, record: SegmentRecord, members?: number): Promise<Segment> {
    const condition = record.condition === null ? null : parseCondition(JSON.parse(record.condition));
    const destination = record.destination === null ? undefined : parseDestination(record.destination);
    const counts = destination === undefined ? undefined : await deliveryCounts(this.db, workspaceId, record.id);
    const total = record.backfillTotal;
    const percent = record.status === 'live' ? 100 : total === 0 ? 0 : Math.min(99, Math.floor((record.backfillDone / total) * 100));
    return {
      id: record.id,
      name: record.name,
      description: record.description,
      kind: record.kind,
      condition,
      version: record.version,
      status: record.status,
      backfill: { percent, done: record.backfillDone, total, startedAt: iso(record.backfillStartedAt), finishedAt: iso(record.backfillFinishedAt), error: record.backfillError },
      members: members ?? (await countMembers(this.db, workspaceId, [record.id])).get(record.id) ?? 0,
      dependsOn: condition === null ? [] : referencedSegments(condition),
      destination: destination === undefined ? null : { url: shownDestinationUrl(this.#deps.secrets, workspaceId, destination), delivered: counts?.delivered ?? 0, pending: counts?.pending ?? 0 },
      createdAt: new Date(record.createdAt).toISOString(),
      updatedAt: new Date(record.updatedAt).toISOString(),
    };
  }

  async list(workspaceId: string): Promise<Segment[]> {
    const records = await listSegments(this.db, workspaceId);
    const counts = await countMembers(
      this.db,
      workspaceId,
      records.map((record) => record.id),
    );
    return Promise.all(records.map((record) => this.toSegment(workspaceId, record, counts.get(record.id) ?? 0)));
  }

  async get(workspaceId: string, id: string): Promise<Segment> {
    return this.toSegment(workspaceId, await this.record(workspaceId, id));
  }

  private async record(workspaceId: string, id: string): Promise<SegmentRecord> {
    const record = await getSegment(this.db, workspaceId, id);
    if (record === undefined) throw new RapportError('not_found', `segment ${id} does not exist`);
    return record;
  }

  private checkName(name: string): string {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > maxNameLength) {
      throw new RapportError('segment.name_invalid', `name must be 1-${maxNameLength} characters`, [{ field: 'name', rule: 'length', message: `1-${maxNameLength} characters` }]);
    }
    return trimmed;
  }

  /** Parses a condition and checks the segments it reads exist and do not lead back to `id`. */
  private async checkCondition(workspaceId: string, id: string, input: unknown): Promise<Condition> {
    let condition: Condition;
    try {
      condition = parseCondition(input);
    } catch (error) {
      // Name the node from the request body's point of view: condition.conditions[1].op.
      if (!(error instanceof RapportError)) throw error;
      const issues = error.issues.map((issue) => ({ ...issue, field: issue.field === '(root)' ? 'condition' : `condition.${issue.field}` }));
      throw new RapportError(error.code, error.message.replace('invalid condition at ', 'invalid condition at condition.'), issues);
    }
    const references = referencedSegments(condition);
    if (references.length === 0) return condition;
    const records = await listSegments(this.db, workspaceId);
    const byId = new Map(records.map((record) => [record.id, record]));
    for (const reference of references) {
      if (reference !== id && !byId.has(reference)) {
        throw new RapportError('segment.unknown_reference', `condition refers to segment ${reference}, which does not exist`, [
          { field: 'condition', rule: 'reference', message: `unknown segment ${reference}` },
        ]);
      }
    }
    const referencesOf = (segmentId: string): string[] => {
      const text = byId.get(segmentId)?.condition;
      return text === null || text === undefined ? [] : referencedSegments(parseCondition(JSON.parse(text)));
    };
    assertNoCycle(id, references, referencesOf);
    return condition;
  }

  /** The destination as stored (secret and URL credentials sealed) and the secret in the clear, to show once. */
  private destinationText(workspaceId: string, destination: WebhookDestination | null | undefined): { text: string | null; secret?: string } {
    if (destination === null || destination === undefined) return { text: null };
    if (!/^https?:\/\//i.test(destination.url))
      throw new RapportError('segment.destination_url_invalid', 'destination.url must be an http(s) URL', [{ field: 'destination.url', rule: 'format', message: 'http(s) URL' }]);
    if (destination.allowPrivate === true) throw operatorOnly('destination.allowPrivate');
    (this.#deps.guard ?? new OutboundGuard()).assertStorable(destination.url, 'destination.url');
    const secret = destination.secret ?? generateWebhookSecret();
    return { text: sealDestination(this.#deps.secrets, workspaceId, { url: destination.url, secret }), secret };
  }

  /** The segment as answered to the request that set its destination: the secret shown this once. */
  private withSecret(segment: Segment, sealed: { secret?: string }): Segment {
    return segment.destination === null || sealed.secret === undefined ? segment : { ...segment, destination: { ...segment.destination, secret: sealed.secret } };
  }

  /**
   * Seals plaintext destination secrets (rows from before sealing) and re-seals values under an
   * old key after a rotation; returns how many changed and which would not open.
   */
  async resealDestinations(): Promise<{ resealed: number; unreadable: string[] }> {
    let resealed = 0;
    const unreadable: string[] = [];
    for (const row of await allDestinations(this.db)) {
      try {
        const text = resealDestination(this.#deps.secrets, row.workspaceId, row.destination);
        if (text === undefined) continue;
        await setDestination(this.db, row.workspaceId, row.id, text);
        resealed += 1;
      } catch {
        unreadable.push(`${row.workspaceId}/${row.id}`);
      }
    }
    return { resealed, unreadable };
  }

  /** Creates a live segment; its backfill starts in the background. */
  async create(workspaceId: string, input: SegmentInput): Promise<Segment> {
    const id = randomId('seg', 9);
    const name = this.checkName(input.name);
    const condition = await this.checkCondition(workspaceId, id, input.condition);
    const sealed = this.destinationText(workspaceId, input.destination);
    const now = this.#clock.now();
    const total = await countLiveProfiles(this.db, workspaceId);
    const record: SegmentRecord = {
      id,
      name,
      description: input.description ?? '',
      kind: 'dynamic',
      condition: JSON.stringify(condition),
      version: 1,
      status: 'backfilling',
      backfillCursor: '',
      backfillTotal: total,
      backfillDone: 0,
      backfillError: null,
      backfillStartedAt: now,
      backfillFinishedAt: null,
      destination: sealed.text,
      createdAt: now,
      updatedAt: now,
    };
    await insertSegment(this.db, workspaceId, record);
    this.#deps.onBackfillNeeded?.();
    return this.withSecret(await this.toSegment(workspaceId, record, 0), sealed);
  }

  /** A static list: members come from CSV uploads, not a condition. */
  async createStatic(workspaceId: string, input: { name: string; description?: string | undefined; destination?: WebhookDestination | null | undefined }): Promise<Segment> {
    const sealed = this.destinationText(workspaceId, input.destination);
    const now = this.#clock.now();
    const record: SegmentRecord = {
      id: randomId('seg', 9),
      name: this.checkName(input.name),
      description: input.description ?? '',
      kind: 'static',
      condition: null,
      version: 1,
      status: 'live',
      backfillCursor: '',
      backfillTotal: 0,
      backfillDone: 0,
      backfillError: null,
      backfillStartedAt: null,
      backfillFinishedAt: now,
      destination: sealed.text,
      createdAt: now,
      updatedAt: now,
    };
    await insertSegment(this.db, workspaceId, record);
    return this.withSecret(await this.toSegment(workspaceId, record, 0), sealed);
  }

  /**
   * A retargeting audience: profiles who visited (a page or screen view) in the last `days`
   * days. It keeps itself current: each member leaves at the exact moment their last visit
   * turns `days` old.
   */
  async createRetargeting(workspaceId: string, input: { days: number; name?: string | undefined; destination?: WebhookDestination | null | undefined }): Promise<Segment> {
    if (!Number.isInteger(input.days) || input.days < 1 || input.days > 3650) {
      throw new RapportError('segment.days_out_of_range', 'days must be a whole number from 1 to 3650', [{ field: 'days', rule: 'range', message: '1-3650' }]);
    }
    const window = { type: 'last', amount: input.days, unit: 'days' } as const;
    return this.create(workspaceId, {
      name: input.name ?? `Visited in the last ${input.days} days`,
      description: `Retargeting: a page or screen view in the last ${input.days} days`,
      condition: {
        type: 'or',
        conditions: [
          { type: 'event', event: 'page', window },
          { type: 'event', event: 'screen', window },
        ],
      },
      destination: input.destination,
    });
  }

  /** Edits a segment. A new condition makes a new version, backfilled from scratch; the old membership stays until each profile is recomputed. */
  async update(
    workspaceId: string,
    id: string,
    patch: { name?: string | undefined; description?: string | undefined; condition?: unknown; destination?: WebhookDestination | null | undefined; expectedUpdatedAt?: string | undefined },
  ): Promise<Segment> {
    const record = await this.record(workspaceId, id);
    const expected = patch.expectedUpdatedAt === undefined ? undefined : Date.parse(patch.expectedUpdatedAt);
    if (expected !== undefined && !Number.isFinite(expected))
      throw new RapportError('segment.date_invalid', `expectedUpdatedAt "${patch.expectedUpdatedAt ?? ''}" is not a date; send the updatedAt the segment was read with`, [
        { field: 'expectedUpdatedAt', rule: 'format', message: 'ISO-8601 date-time (the updatedAt you read)' },
      ]);
    if (expected !== undefined && expected !== record.updatedAt) throw editConflict(id, record.updatedAt);
    // Strictly later than the version read, so two saves in one millisecond still differ.
    const now = Math.max(this.#clock.now(), record.updatedAt + 1);
    const next: SegmentRecord = { ...record, updatedAt: now };
    if (patch.name !== undefined) next.name = this.checkName(patch.name);
    if (patch.description !== undefined) next.description = patch.description;
    const sealed: { text?: string | null; secret?: string } = patch.destination === undefined ? {} : this.destinationText(workspaceId, patch.destination);
    if (patch.destination !== undefined) next.destination = sealed.text ?? null;
    if (patch.condition !== undefined) {
      if (record.kind === 'static')
        throw new RapportError('segment.static_list', 'a static list has no condition; upload its members instead', [{ field: 'condition', rule: 'static', message: 'static lists take CSV uploads' }]);
      const condition = await this.checkCondition(workspaceId, id, patch.condition);
      const text = JSON.stringify(condition);
      if (text !== record.condition) {
        Object.assign(next, {
          condition: text,
          version: record.version + 1,
          status: 'backfilling',
          backfillCursor: '',
          backfillDone: 0,
          backfillTotal: await countLiveProfiles(this.db, workspaceId),
          backfillError: null,
          backfillStartedAt: now,
          backfillFinishedAt: null,
        });
      }
    }
    if (!(await updateSegment(this.db, workspaceId, next, expected))) throw editConflict(id, (await this.record(workspaceId, id)).updatedAt);
    if (next.version !== record.version) this.#deps.onBackfillNeeded?.();
    return this.withSecret(await this.toSegment(workspaceId, next), sealed);
  }

  /** Deletes a segment; refused (409, with their ids) while other segments read it. */
  async delete(workspaceId: string, id: string): Promise<void> {
    await this.record(workspaceId, id);
    const dependents = (await listSegments(this.db, workspaceId)).filter(
      (record) => record.id !== id && record.condition !== null && referencedSegments(parseCondition(JSON.parse(record.condition))).includes(id),
    );
    if (dependents.length > 0) {
      const list = dependents.map((record) => `${record.id} (${record.name})`).join(', ');
      throw new RapportError(
        'conflict',
        `segment ${id} is used by ${list}; change or delete those first`,
        dependents.map((record) => ({ field: 'dependents', rule: 'in_use', message: record.id })),
      );
    }
    await this.#deps.database.transaction((trx) => deleteSegment(trx, workspaceId, id));
  }

  /** Builds the snapshots a condition needs for some profiles, from the store (estimate, explain). */
  private async subjects(workspaceId: string, condition: Condition, profileIds: readonly string[], now: number): Promise<SegmentSubject[]> {
    const profiles = await loadProfiles(this.db, workspaceId, profileIds);
    const specs = eventStatSpecs(condition);
    const names = [...new Set([...specs.values()].map((entry) => entry.spec.event))];
    // Properties are parsed only for the events a filter or an aggregate reads.
    const propertiesOf = [...new Set([...specs.values()].filter((entry) => entry.spec.where.length > 0 || entry.spec.property !== undefined).map((entry) => entry.spec.event))];
    const timelines = names.length === 0 ? new Map() : await eventsOfProfiles(this.db, workspaceId, profileIds, names, { propertiesOf });
    const memberships = referencedSegments(condition).length === 0 ? new Map<string, Set<string>>() : await membershipsOf(this.db, workspaceId, profileIds);
    const scores = await readProfileScores(this.db, workspaceId, [...profileIds]);
    return profiles
      .filter((profile) => profile.mergedInto === null)
      .map((profile) => ({
        profileId: profile.id,
        state: profile.state,
        scores: scores.get(profile.id) ?? {},
        events: statsFromEvents(specs, timelines.get(profile.id) ?? [], now),
        memberships: memberships.get(profile.id) ?? new Set(),
      }));
  }

  /**
   * Size and a sample of who a condition would hold now, before saving it. Evaluates up to
   * `scan` profiles (their ids are hashes, so the first ones by id are a uniform sample) and
   * extrapolates; exact when the workspace has no more profiles than that.
   */
  async estimate(workspaceId: string, input: unknown, options: { scan?: number; sampleSize?: number } = {}): Promise<Estimate> {
    const condition = await this.checkCondition(workspaceId, '', input);
    const scan = Math.min(Math.max(options.scan ?? 5000, 1), 100_000);
    const sampleSize = Math.min(Math.max(options.sampleSize ?? 10, 0), 100);
    const now = this.#clock.now();
    const total = await countLiveProfiles(this.db, workspaceId);
    let scanned = 0;
    let matched = 0;
    const sample: string[] = [];
    let after = '';
    while (scanned < scan) {
      const ids = await profileIdsAfter(this.db, workspaceId, after, Math.min(1000, scan - scanned));
      if (ids.length === 0) break;
      after = ids[ids.length - 1] ?? after;
      for (const subject of await this.subjects(workspaceId, condition, ids, now)) {
        scanned += 1;
        if (!evaluateCondition(condition, subject, now)) continue;
        matched += 1;
        if (sample.length < sampleSize) sample.push(subject.profileId);
      }
    }
    const exact = scanned >= total;
    return { size: exact ? matched : Math.round((matched / Math.max(scanned, 1)) * total), exact, scanned, total, sample };
  }

  async members(
    workspaceId: string,
    id: string,
    options: { cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<{ members: { profileId: string; enteredAt: string }[]; nextCursor: string | null }> {
    await this.record(workspaceId, id);
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const rows = await listMembers(this.db, workspaceId, id, options.cursor, limit);
    return {
      members: rows.map((row) => ({ profileId: row.profileId, enteredAt: new Date(row.enteredAt).toISOString() })),
      nextCursor: rows.length === limit ? (rows[rows.length - 1]?.profileId ?? null) : null,
    };
  }

  /** The segments a profile is in now, and its entries and exits, newest first. */
  async profileMemberships(
    workspaceId: string,
    profileId: string,
  ): Promise<{ segments: { segmentId: string; name: string; enteredAt: string }[]; history: { segmentId: string; kind: 'entered' | 'exited'; at: string }[] }> {
    const [profile] = await loadProfiles(this.db, workspaceId, [profileId]);
    if (profile === undefined) throw new RapportError('not_found', `profile ${profileId} does not exist in this workspace`);
    const [rows, history, records] = await Promise.all([segmentsOfProfile(this.db, workspaceId, profileId), historyOf(this.db, workspaceId, { profileId }, 500), listSegments(this.db, workspaceId)]);
    const names = new Map(records.map((record) => [record.id, record.name]));
    return {
      segments: rows.map((row) => ({ segmentId: row.segmentId, name: names.get(row.segmentId) ?? row.segmentId, enteredAt: new Date(row.enteredAt).toISOString() })),
      history: history.map((row) => ({ segmentId: row.segmentId, kind: row.kind, at: new Date(row.at).toISOString() })),
    };
  }

  /** Ids of the segments the profile is in now (the on-site visitor endpoint: one indexed read of committed state, not queued behind a transaction). */
  async segmentIdsOf(workspaceId: string, profileId: string): Promise<string[]> {
    return (await segmentsOfProfile(this.#deps.database.reads, workspaceId, profileId)).map((row) => row.segmentId);
  }

  /** Why a profile is (or is not) in a segment, condition by condition, evaluated now. */
  async explain(
    workspaceId: string,
    id: string,
    profileId: string,
  ): Promise<{ segmentId: string; profileId: string; member: boolean; result: boolean; at: string; explanation: ConditionExplanation }> {
    const record = await this.record(workspaceId, id);
    if (record.condition === null) throw new RapportError('segment.static_list', `segment ${id} is a static list; its members were uploaded`);
    const condition = parseCondition(JSON.parse(record.condition));
    const now = this.#clock.now();
    const [subject] = await this.subjects(workspaceId, condition, [profileId], now);
    if (subject === undefined) throw new RapportError('not_found', `profile ${profileId} does not exist (or was merged into another)`);
    const explanation = explainCondition(condition, subject, now);
    const member = (await membershipsOf(this.db, workspaceId, [profileId])).get(profileId)?.has(id) ?? false;
    return { segmentId: id, profileId, member, result: explanation.result, at: new Date(now).toISOString(), explanation };
  }

  /** Entries, exits and the member count per hour or day since `from`. */
  async counts(workspaceId: string, id: string, options: { from: number; bucket: 'hour' | 'day' }): Promise<{ at: string; entered: number; exited: number; members: number }[]> {
    await this.record(workspaceId, id);
    const bucketMs = options.bucket === 'hour' ? 3_600_000 : 86_400_000;
    const from = Math.floor(options.from / bucketMs) * bucketMs;
    let members = await netMembersBefore(this.db, workspaceId, id, from);
    const rows = await historyCounts(this.db, workspaceId, id, from, bucketMs);
    const byBucket = new Map(rows.map((row) => [row.bucket, row]));
    const series: { at: string; entered: number; exited: number; members: number }[] = [];
    const end = this.#clock.now();
    for (let at = from; at <= end && series.length < 10_000; at += bucketMs) {
      const row = byBucket.get(at);
      members += (row?.entered ?? 0) - (row?.exited ?? 0);
      series.push({ at: new Date(at).toISOString(), entered: row?.entered ?? 0, exited: row?.exited ?? 0, members });
    }
    return series;
  }

  /**
   * The members as CSV (profile_id, entered_at, user_id, email, phone), streamed page by page
   * so any size exports in constant memory.
   */
  async *exportCsv(workspaceId: string, id: string): AsyncGenerator<string> {
    await this.record(workspaceId, id);
    yield 'profile_id,entered_at,user_id,email,phone\n';
    let after: string | undefined;
    for (;;) {
      const page = await listMembers(this.db, workspaceId, id, after, 1000);
      if (page.length === 0) return;
      after = page[page.length - 1]?.profileId;
      const profiles = new Map(
        (
          await loadProfiles(
            this.db,
            workspaceId,
            page.map((row) => row.profileId),
          )
        ).map((profile) => [profile.id, profile]),
      );
      let chunk = '';
      for (const row of page) {
        const profile = profiles.get(row.profileId);
        const traits = profile?.state.traits ?? {};
        const userId = profile?.ids.user_id?.[0] ?? null;
        chunk += `${[row.profileId, new Date(row.enteredAt).toISOString(), userId, traits.email?.v ?? profile?.ids.email?.[0], traits.phone?.v ?? profile?.ids.phone?.[0]].map(csvCell).join(',')}\n`;
      }
      yield chunk;
      if (page.length < 1000) return;
    }
  }

  /**
   * Uploads members of a static list from CSV. A column names the identifier: `profile_id`,
   * `user_id`, `email`, `phone`, `anonymous_id` or an external id type; the first such column
   * of each row that resolves to a profile wins. `replace` makes the file the whole list.
   */
  async uploadList(
    workspaceId: string,
    id: string,
    body: Readable | string,
    mode: 'add' | 'replace',
  ): Promise<{ rows: number; matched: number; unmatched: { line: number; reason: string }[]; entered: number; exited: number }> {
    const record = await this.record(workspaceId, id);
    if (record.kind !== 'static') throw new RapportError('segment.not_static', `segment ${id} is defined by a condition; only static lists take uploads`);
    const rules = this.#deps.identityRules?.(workspaceId) ?? defaultIdentityRules;
    const source = typeof body === 'string' ? Readable.from([body]) : body;
    const profiles = new Set<string>();
    const unmatched: { line: number; reason: string }[] = [];
    let rows = 0;
    for await (const record of readRecords(source, 'csv', () => undefined)) {
      rows += 1;
      if (!record.ok) {
        if (unmatched.length < 1000) unmatched.push({ line: record.line, reason: record.reason });
        continue;
      }
      let found: string | undefined;
      for (const [column, value] of Object.entries(record.fields)) {
        if (typeof value !== 'string' || value.trim() === '') continue;
        if (column === 'profile_id') {
          const [profile] = await loadProfiles(this.db, workspaceId, [value.trim()]);
          found = profile === undefined ? undefined : (profile.mergedInto ?? profile.id);
        } else {
          const type = normalizeIdentifierType(column);
          const identifier = type === undefined ? undefined : normalizeIdentifier(rules, type, value);
          found = identifier === undefined ? undefined : await findIdentityOwner(this.db, workspaceId, identifier);
        }
        if (found !== undefined) break;
      }
      if (found === undefined) {
        if (unmatched.length < 1000) unmatched.push({ line: record.line, reason: 'no column of this row identifies a known profile' });
      } else profiles.add(found);
    }
    const transitions: Transition[] = await this.#deps.engine.setStaticMembers(workspaceId, id, [...profiles], mode);
    const own = transitions.filter((transition) => transition.segmentId === id);
    return { rows, matched: profiles.size, unmatched, entered: own.filter((t) => t.kind === 'entered').length, exited: own.filter((t) => t.kind === 'exited').length };
  }
}
