import { randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import type { Clock } from '../shared/clock.js';
import { RapportError, type FieldIssue } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { Database } from '../storage/database.js';
import { CampaignInputSchema, OnsiteSettingsSchema, type Campaign, type CampaignInput, type CampaignState, type CampaignStatus, type OnsiteSettings } from './campaign.js';
import { checkCampaign, referencesOf } from './models/validate.js';
import * as repo from './store/repository.js';

/** What a campaign may refer to, each answered in the campaign's own workspace only. */
export interface CampaignReferences {
  segmentExists(workspaceId: string, id: string): Promise<boolean>;
  poolExists(workspaceId: string, id: string): Promise<boolean>;
  journeyExists(workspaceId: string, id: string): Promise<boolean>;
  templateExists(workspaceId: string, id: string): Promise<boolean>;
}

export interface CampaignServiceDeps {
  database: Database;
  clock: Clock;
  /** Seals the workspace's identity-verification secret at rest. */
  secrets: SecretBox;
  references: CampaignReferences;
}

export const defaultSettings: OnsiteSettings = { maxModalsPerPage: 1, quietPeriodSeconds: 30, consentMode: 'off' };
const SECRET_CONTEXT = 'onsite-secret';

/** A stored campaign decoded: the definition plus its lifecycle. */
export interface StoredCampaign {
  id: string;
  state: CampaignState;
  definition: CampaignInput;
  createdAt: number;
  updatedAt: number;
}

function decode(record: repo.CampaignRecord): StoredCampaign {
  const definition: unknown = JSON.parse(record.definition);
  if (!Value.Check(CampaignInputSchema, definition)) throw new Error(`campaign ${record.id} has a broken stored definition`);
  const state = record.state === 'active' || record.state === 'paused' || record.state === 'ended' ? record.state : 'draft';
  return { id: record.id, state, definition, createdAt: record.createdAt, updatedAt: record.updatedAt };
}

/** draft/paused/ended as stored; an active campaign is scheduled, live or ended by its window. */
export function statusOf(campaign: StoredCampaign, now: number): CampaignStatus {
  if (campaign.state !== 'active') return campaign.state;
  const { startAt, endAt } = campaign.definition.schedule ?? {};
  if (startAt !== undefined && now < Date.parse(startAt)) return 'scheduled';
  if (endAt !== undefined && now >= Date.parse(endAt)) return 'ended';
  return 'live';
}

/**
 * Campaign definitions and their lifecycle, the workspace's on-site settings and its
 * identity-verification secret. Every id is looked up in the caller's workspace.
 * @example const campaign = await campaigns.create('ws', starter.definition); await campaigns.setState('ws', campaign.id, 'active');
 */
export class CampaignService {
  private readonly listeners: ((workspaceId: string) => void)[] = [];

  constructor(private readonly deps: CampaignServiceDeps) {}

  /** Called after every change of a workspace's campaigns or settings (the config cache). */
  onChange(listener: (workspaceId: string) => void): void {
    this.listeners.push(listener);
  }

  view(campaign: StoredCampaign): Campaign {
    const { definition } = campaign;
    return {
      ...definition,
      id: campaign.id,
      status: statusOf(campaign, this.deps.clock.now()),
      priority: definition.priority ?? 0,
      holdout: definition.holdout ?? 0,
      createdAt: new Date(campaign.createdAt).toISOString(),
      updatedAt: new Date(campaign.updatedAt).toISOString(),
    };
  }

  async list(workspaceId: string): Promise<StoredCampaign[]> {
    return (await repo.listCampaigns(this.deps.database.db, workspaceId)).map(decode);
  }

  /** Campaigns whose state is active (the compiler filters them by schedule). */
  async active(workspaceId: string): Promise<StoredCampaign[]> {
    return (await repo.listCampaigns(this.deps.database.db, workspaceId, ['active'])).map(decode);
  }

  async get(workspaceId: string, id: string): Promise<StoredCampaign> {
    const record = await repo.findCampaign(this.deps.database.db, workspaceId, id);
    if (record === undefined) throw new RapportError('not_found', `no on-site campaign "${id}" in this workspace; list them with GET /api/v1/onsite/campaigns`);
    return decode(record);
  }

  /** Validates (shape, patterns, template fields, caps, references) and saves a draft. */
  async create(workspaceId: string, input: unknown): Promise<StoredCampaign> {
    const definition = await this.validate(workspaceId, input, undefined);
    const now = this.deps.clock.now();
    const stored: StoredCampaign = { id: randomId('osc', 10), state: 'draft', definition, createdAt: now, updatedAt: now };
    await this.deps.database.transaction(async (trx) => {
      await repo.insertCampaign(trx, workspaceId, this.record(stored));
      await repo.writeSettings(trx, workspaceId, {}, JSON.stringify(defaultSettings), now);
    });
    this.changed(workspaceId);
    return stored;
  }

  /** Replaces the definition; the state stays. */
  /**
   * Replaces the definition. With `expectedUpdatedAt` (the updatedAt the editor read), a campaign
   * saved by someone else since answers `onsite.edit_conflict` instead of being overwritten.
   */
  async update(workspaceId: string, id: string, input: unknown, options: { expectedUpdatedAt?: string } = {}): Promise<StoredCampaign> {
    const expected = options.expectedUpdatedAt === undefined ? undefined : Date.parse(options.expectedUpdatedAt);
    if (expected !== undefined && Number.isNaN(expected)) {
      throw new RapportError('onsite.date_invalid', `expectedUpdatedAt "${options.expectedUpdatedAt ?? ''}" is not a date; send the updatedAt the campaign was read with`, [
        { field: 'expectedUpdatedAt', rule: 'format', message: 'ISO-8601 date-time (the updatedAt you read)' },
      ]);
    }
    const current = await this.get(workspaceId, id);
    const definition = await this.validate(workspaceId, input, id);
    const stored: StoredCampaign = { ...current, definition, updatedAt: this.deps.clock.now() };
    if (!(await this.save(workspaceId, stored, expected))) {
      const latest = await this.get(workspaceId, id);
      const at = new Date(latest.updatedAt).toISOString();
      throw new RapportError('onsite.edit_conflict', `campaign ${id} was saved by someone else at ${at}; reload it and apply your edit again`, [
        { field: 'expectedUpdatedAt', rule: 'conflict', message: at },
      ]);
    }
    return stored;
  }

  /** Moves a campaign through draft → active ⇄ paused → ended (ended is final). */
  async setState(workspaceId: string, id: string, state: CampaignState): Promise<StoredCampaign> {
    const current = await this.get(workspaceId, id);
    if (current.state === 'ended' && state !== 'ended') throw new RapportError('conflict', `campaign "${id}" has ended; create a new one (its report stays)`);
    if (state === 'draft' && current.state !== 'draft') throw new RapportError('conflict', `campaign "${id}" is ${current.state}; pause it instead of returning it to draft`);
    const stored: StoredCampaign = { ...current, state, updatedAt: this.deps.clock.now() };
    await this.save(workspaceId, stored);
    return stored;
  }

  /** Replaces the variants' traffic weights (in variant order), e.g. from a bandit. */
  async setWeights(workspaceId: string, id: string, weights: readonly number[]): Promise<StoredCampaign> {
    const current = await this.get(workspaceId, id);
    if (weights.length !== current.definition.variants.length) throw new Error(`campaign ${id} has ${current.definition.variants.length} variants, got ${weights.length} weights`);
    const variants = current.definition.variants.map((variant, index) => ({ ...variant, weight: weights[index] ?? variant.weight }));
    return this.update(workspaceId, id, { ...current.definition, variants });
  }

  async delete(workspaceId: string, id: string): Promise<void> {
    const current = await this.get(workspaceId, id);
    if (current.state === 'active') throw new RapportError('conflict', `campaign "${id}" is active; pause or end it before deleting`);
    await this.deps.database.transaction(async (trx) => {
      await repo.deleteCampaign(trx, workspaceId, id);
      await repo.writeSettings(trx, workspaceId, {}, JSON.stringify(defaultSettings), this.deps.clock.now());
    });
    this.changed(workspaceId);
  }

  /**
   * The URL that renders the campaign on any page of the shop, for the editor: the SDK shows a
   * campaign named by `rapport_preview` whatever its targeting, triggers and caps.
   */
  async previewUrl(workspaceId: string, id: string, page: string, variant?: string): Promise<string> {
    const campaign = await this.get(workspaceId, id);
    const key = variant ?? campaign.definition.variants[0]?.key ?? '';
    if (!campaign.definition.variants.some((entry) => entry.key === key)) {
      throw new RapportError('invalid_request', `campaign "${id}" has no variant "${key}"`, [
        { field: 'query.variant', rule: 'enum', message: `use one of ${campaign.definition.variants.map((entry) => entry.key).join(', ')}` },
      ]);
    }
    let url: URL;
    try {
      url = new URL(page);
    } catch {
      throw new RapportError('invalid_request', 'page must be an absolute http(s) URL of the shop', [{ field: 'query.page', rule: 'format', message: 'an absolute http(s) URL' }]);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new RapportError('invalid_request', 'page must be an http(s) URL', [{ field: 'query.page', rule: 'format', message: 'an absolute http(s) URL' }]);
    url.searchParams.set('rapport_preview', id);
    url.searchParams.set('rapport_variant', key);
    return url.toString();
  }

  async settings(workspaceId: string): Promise<OnsiteSettings & { revision: number }> {
    const stored = await repo.readSettings(this.deps.database.db, workspaceId);
    const parsed: unknown = stored === undefined ? defaultSettings : JSON.parse(stored.settings);
    const settings = Value.Check(OnsiteSettingsSchema, parsed) ? parsed : defaultSettings;
    return { ...settings, revision: stored?.revision ?? 0 };
  }

  async putSettings(workspaceId: string, input: OnsiteSettings): Promise<OnsiteSettings & { revision: number }> {
    await repo.writeSettings(this.deps.database.db, workspaceId, { settings: JSON.stringify(input) }, JSON.stringify(defaultSettings), this.deps.clock.now());
    this.changed(workspaceId);
    return this.settings(workspaceId);
  }

  /** The identity-verification secret (created on first read), as the shop's server signs with. */
  async secret(workspaceId: string): Promise<string> {
    const stored = await repo.readSettings(this.deps.database.db, workspaceId);
    if (stored?.secret !== null && stored?.secret !== undefined) return this.deps.secrets.open(stored.secret, `${SECRET_CONTEXT}:${workspaceId}`);
    return this.rotateSecret(workspaceId);
  }

  /** Replaces the secret: every userHash signed with the old one stops verifying. */
  async rotateSecret(workspaceId: string): Promise<string> {
    const plain = randomBytes(32).toString('hex');
    const sealed = this.deps.secrets.seal(plain, `${SECRET_CONTEXT}:${workspaceId}`);
    await repo.writeSettings(this.deps.database.db, workspaceId, { secret: sealed }, JSON.stringify(defaultSettings), this.deps.clock.now());
    this.changed(workspaceId);
    return plain;
  }

  private async validate(workspaceId: string, input: unknown, selfId: string | undefined): Promise<CampaignInput> {
    const checked = checkCampaign(input);
    if (!checked.ok) throw invalid(checked.issues);
    const campaign = checked.campaign;
    const issues = await this.referenceIssues(workspaceId, campaign, selfId);
    if (issues.length > 0) throw invalid(issues);
    return campaign;
  }

  /** Ids that do not exist in this workspace (another workspace's id counts as unknown). */
  private async referenceIssues(workspaceId: string, campaign: CampaignInput, selfId: string | undefined): Promise<FieldIssue[]> {
    const { references } = this.deps;
    const { segments, pools } = referencesOf(campaign);
    const issues: FieldIssue[] = [];
    for (const segment of segments) {
      if (!(await references.segmentExists(workspaceId, segment.id))) issues.push({ field: segment.field, rule: 'exists', message: `no segment "${segment.id}" in this workspace` });
    }
    for (const pool of pools) {
      if (!(await references.poolExists(workspaceId, pool.id))) issues.push({ field: pool.field, rule: 'exists', message: `no coupon pool "${pool.id}" in this workspace` });
    }
    if (campaign.journeyId !== undefined && !(await references.journeyExists(workspaceId, campaign.journeyId))) {
      issues.push({ field: 'body.journeyId', rule: 'exists', message: `no journey "${campaign.journeyId}" in this workspace` });
    }
    if (campaign.doubleOptIn !== undefined && !(await references.templateExists(workspaceId, campaign.doubleOptIn.templateId))) {
      issues.push({ field: 'body.doubleOptIn.templateId', rule: 'exists', message: `no template "${campaign.doubleOptIn.templateId}" in this workspace` });
    }
    if (campaign.teaserOf !== undefined) {
      const target = campaign.teaserOf === selfId ? undefined : await repo.findCampaign(this.deps.database.db, workspaceId, campaign.teaserOf);
      if (target === undefined) issues.push({ field: 'body.teaserOf', rule: 'exists', message: `no other campaign "${campaign.teaserOf}" in this workspace` });
    }
    return issues;
  }

  /** Writes the campaign; false (and nothing written) when `expectedUpdatedAt` is given and no longer holds. */
  private async save(workspaceId: string, stored: StoredCampaign, expectedUpdatedAt?: number): Promise<boolean> {
    const saved = await this.deps.database.transaction(async (trx) => {
      if (!(await repo.updateCampaign(trx, workspaceId, this.record(stored), expectedUpdatedAt))) return false;
      await repo.writeSettings(trx, workspaceId, {}, JSON.stringify(defaultSettings), stored.updatedAt);
      return true;
    });
    if (saved) this.changed(workspaceId);
    return saved;
  }

  private record(stored: StoredCampaign): repo.CampaignRecord {
    const { definition } = stored;
    return {
      id: stored.id,
      name: definition.name,
      type: definition.type,
      state: stored.state,
      priority: definition.priority ?? 0,
      definition: JSON.stringify(definition),
      createdAt: stored.createdAt,
      updatedAt: stored.updatedAt,
    };
  }

  private changed(workspaceId: string): void {
    for (const listener of this.listeners) listener(workspaceId);
  }
}

function invalid(issues: FieldIssue[]): RapportError {
  return new RapportError('invalid_request', `the campaign is invalid: ${issues.map((found) => `${found.field} ${found.message}`).join('; ')}`, issues);
}
