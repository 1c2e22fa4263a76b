import { createHash } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import { modalTypes, type CompiledCampaign, type OnsiteConfig, type OnsiteSettings } from './campaign.js';
import { statusOf, type CampaignService, type StoredCampaign } from './campaign-service.js';

/** The brand colours and logo the widgets theme themselves with. */
export interface OnsiteBrand {
  primaryColor: string;
  textColor: string;
  backgroundColor: string;
  logoUrl?: string;
}

/** One compiled configuration: the body is serialised once and served as-is. */
export interface CompiledConfig {
  etag: string;
  body: string;
  config: OnsiteConfig;
}

function compileCampaign(campaign: StoredCampaign): CompiledCampaign {
  const { definition } = campaign;
  return {
    id: campaign.id,
    type: definition.type,
    priority: definition.priority ?? 0,
    modal: modalTypes.has(definition.type),
    ...(definition.slot === undefined ? {} : { slot: definition.slot }),
    triggers: definition.triggers.length === 0 ? [{ type: 'page_load' }] : definition.triggers,
    audience: definition.audience,
    caps: definition.caps,
    salt: definition.salt ?? campaign.id,
    holdout: definition.holdout ?? 0,
    variants: definition.variants,
    defaultLocale: definition.defaultLocale,
    ...(definition.conversion === undefined ? {} : { conversion: definition.conversion }),
    ...(definition.teaserOf === undefined ? {} : { teaserOf: definition.teaserOf }),
  };
}

/**
 * The configuration the SDK decides with: live campaigns by priority (highest first), brand and
 * global fatigue settings. Its version is a hash of the content, so an unchanged configuration
 * keeps its ETag across restarts and replicas.
 */
export function compileConfig(input: {
  workspaceId: string;
  now: number;
  campaigns: readonly StoredCampaign[];
  settings: OnsiteSettings;
  brand: OnsiteBrand;
  preview?: StoredCampaign;
}): CompiledConfig {
  const { preview } = input;
  const chosen = input.campaigns.filter((campaign) => statusOf(campaign, input.now) === 'live' && campaign.id !== preview?.id);
  const live = (preview === undefined ? chosen : [...chosen, preview])
    .sort((a, b) => (b.definition.priority ?? 0) - (a.definition.priority ?? 0) || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    .map(compileCampaign);
  const content = {
    workspace: input.workspaceId,
    brand: input.brand,
    global: { maxModalsPerPage: input.settings.maxModalsPerPage, quietPeriodSeconds: input.settings.quietPeriodSeconds },
    consentMode: input.settings.consentMode,
    campaigns: live,
  };
  const version = createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 22);
  const config: OnsiteConfig = { version, ...content };
  return { etag: `"${version}"`, body: JSON.stringify(config), config };
}

/** The next instant a campaign's schedule starts or ends after `now` (the cache expires then). */
function nextBoundary(campaigns: readonly StoredCampaign[], now: number): number {
  let next = Infinity;
  for (const campaign of campaigns) {
    for (const at of [campaign.definition.schedule?.startAt, campaign.definition.schedule?.endAt]) {
      const time = at === undefined ? NaN : Date.parse(at);
      if (time > now && time < next) next = time;
    }
  }
  return next;
}

interface Entry {
  revision: number;
  validUntil: number;
  compiled: Promise<CompiledConfig>;
}

/** Brand changes are not counted by the on-site revision: they show within this long. */
const BRAND_TTL_MS = 60_000;

/**
 * Compiles each workspace's configuration once per change, not per request: an entry stays
 * while the workspace's on-site revision (bumped by every campaign or settings write, from any
 * replica) is unchanged, no schedule boundary has passed and the brand TTL holds. A request
 * costs one point read of the revision.
 * @example const { etag, body } = await configs.get('ws');
 */
export class ConfigCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly deps: {
      clock: Clock;
      campaigns: Pick<CampaignService, 'active' | 'list' | 'settings'>;
      revision: (workspaceId: string) => Promise<number>;
      brand: (workspaceId: string) => Promise<OnsiteBrand>;
    },
  ) {}

  async get(workspaceId: string): Promise<CompiledConfig> {
    const now = this.deps.clock.now();
    const revision = await this.deps.revision(workspaceId);
    const entry = this.entries.get(workspaceId);
    if (entry !== undefined && entry.revision === revision && now < entry.validUntil) return entry.compiled;
    const compiled = this.compile(workspaceId, now, revision);
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(workspaceId, { revision, validUntil: now + BRAND_TTL_MS, compiled });
    compiled.catch(() => this.entries.delete(workspaceId));
    return compiled;
  }

  /**
   * The configuration with one more campaign, whatever its state or schedule, for the editor's
   * preview URL (`?rapport_preview=`): compiled per request and never cached.
   */
  async preview(workspaceId: string, campaignId: string): Promise<CompiledConfig> {
    const [campaigns, all, settings, brand] = await Promise.all([
      this.deps.campaigns.active(workspaceId),
      this.deps.campaigns.list(workspaceId),
      this.deps.campaigns.settings(workspaceId),
      this.deps.brand(workspaceId),
    ]);
    const preview = all.find((campaign) => campaign.id === campaignId);
    return compileConfig({ workspaceId, now: this.deps.clock.now(), campaigns, settings, brand, ...(preview === undefined ? {} : { preview }) });
  }

  /** Drops a workspace's entry (this replica's own writes, before the revision is read again). */
  invalidate(workspaceId: string): void {
    this.entries.delete(workspaceId);
  }

  private async compile(workspaceId: string, now: number, revision: number): Promise<CompiledConfig> {
    const [campaigns, settings, brand] = await Promise.all([this.deps.campaigns.active(workspaceId), this.deps.campaigns.settings(workspaceId), this.deps.brand(workspaceId)]);
    const entry = this.entries.get(workspaceId);
    if (entry !== undefined && entry.revision === revision) entry.validUntil = Math.min(now + BRAND_TTL_MS, nextBoundary(campaigns, now));
    return compileConfig({ workspaceId, now, campaigns, settings, brand });
  }
}
